// The provisioning page: connect to the device (proto-ver + security handshake), pick a network
// from its scan or type one, send the passphrase, show each phase and a clear result.
// The protocol is the wasm client (`pkg/uniprov_web.js`, docs/web-api.md); this file is the UI.
// Secrets (PoP, password, passphrase) are never logged and never put in the URL or storage.

import init, { Device, parseQr, version } from "./pkg/uniprov_web.js";
import { openHttp } from "./http.js";

const $ = (id) => document.getElementById(id);

/** The connected device (a wasm `Device`), or null. */
let device = null;
/** What a QR payload in the URL fragment said (see `readQrFromFragment`). */
let qr = null;
/** The backoff countdown timer, when the device asked us to wait. */
let backoffTimer = null;
/** The lazily loaded BLE / serial transport modules (webemu's `ble.js` / `serial.js`). */
const transportModules = { ble: null, serial: null };

// ---------------------------------------------------------------------------------------------
// Start

async function start() {
  wireStaticControls();
  showTransportChoices();
  try {
    await init();
  } catch (error) {
    const reason = error && error.message ? ` (${error.message})` : "";
    $("boot").textContent = `This browser could not load the provisioning module (WebAssembly)${reason}.`;
    $("boot").className = "msg error";
    return;
  }
  $("details").textContent = `uniprov ${version()}`;
  readQrFromFragment();
  $("boot").hidden = true;
  $("connect-view").hidden = false;
  if (!$("secret").value && !$("sec0").checked) $("secret").focus();
}

/** Fills the connect form from a QR payload in the URL fragment (`#{"ver":"v1",...}`). */
function readQrFromFragment() {
  const fragment = location.hash.slice(1);
  if (!fragment) return;
  let text;
  try {
    text = decodeURIComponent(fragment);
  } catch (_) {
    return;
  }
  if (!text.trimStart().startsWith("{")) return;
  try {
    qr = parseQr(text);
  } catch (_) {
    qr = null;
    setConnectNote("The link's QR payload could not be read; enter the details by hand.", "warning");
    return;
  }
  // The secret stays in the fragment only until it is in the form (the fragment never reaches
  // the server, but it would stay in the history).
  history.replaceState(null, "", location.pathname + location.search);
  if (qr.pop != null) $("secret").value = qr.pop;
  if (qr.username != null) {
    $("username").value = qr.username;
    if (qr.username !== "wifiprov") $("advanced").open = true;
  }
  if (qr.security === 0) {
    $("sec0").checked = true;
    $("advanced").open = true;
  }
  if (qr.name != null) $("ble-prefix").value = qr.name;
  if (qr.transport === "ble" && navigator.bluetooth) pickTransport("ble");
  setConnectNote(qr.name ? `Details for ${qr.name} filled in from the QR code.` : "Details filled in from the QR code.", "ok");
}

function wireStaticControls() {
  for (const button of document.querySelectorAll("button.toggle")) {
    button.addEventListener("click", () => {
      const input = $(button.dataset.toggles);
      const show = input.type === "password";
      input.type = show ? "text" : "password";
      button.textContent = show ? "Hide" : "Show";
      button.setAttribute("aria-pressed", String(show));
    });
  }
  for (const radio of document.querySelectorAll('input[name="transport"]')) {
    radio.addEventListener("change", () => pickTransport(radio.value));
  }
  $("connect-form").addEventListener("submit", (event) => {
    event.preventDefault();
    connect();
  });
  $("provision-form").addEventListener("submit", (event) => {
    event.preventDefault();
    provision();
  });
  $("scan-button").addEventListener("click", () => scan());
  for (const id of ["secret", "ssid", "passphrase"]) {
    $(id).addEventListener("input", () => $(id).removeAttribute("aria-invalid"));
  }
}

// ---------------------------------------------------------------------------------------------
// Transports

/** Offers Bluetooth / serial only where the browser has them (Chromium, secure context). */
function showTransportChoices() {
  const ble = Boolean(navigator.bluetooth);
  const serial = Boolean(navigator.serial);
  $("transport-ble-choice").hidden = !ble;
  $("transport-serial-choice").hidden = !serial;
  $("transport-picker").hidden = !(ble || serial);
}

function selectedTransport() {
  const checked = document.querySelector('input[name="transport"]:checked');
  return checked ? checked.value : "http";
}

function pickTransport(kind) {
  const radio = document.querySelector(`input[name="transport"][value="${kind}"]`);
  if (radio) radio.checked = true;
  $("ble-options").hidden = kind !== "ble";
  $("serial-options").hidden = kind !== "serial";
  // Load the module now, so the Connect click still counts as a user gesture when
  // requestDevice / requestPort runs.
  if (kind === "ble" || kind === "serial") loadTransportModule(kind).catch(() => {});
}

async function loadTransportModule(kind) {
  if (!transportModules[kind]) {
    transportModules[kind] = kind === "ble" ? await import("./ble.js") : await import("./serial.js");
  }
  return transportModules[kind];
}

/** A new transport object of docs/web-api.md for the chosen way to reach the device. */
async function openTransport() {
  const kind = selectedTransport();
  if (kind === "ble") {
    const { openBle } = await loadTransportModule("ble");
    const namePrefix = $("ble-prefix").value.trim();
    const serviceUuid = $("ble-service").value.trim().toLowerCase();
    return openBle({
      ...(namePrefix ? { namePrefix } : {}),
      ...(serviceUuid ? { serviceUuid } : {}),
    });
  }
  if (kind === "serial") {
    const { openSerial } = await loadTransportModule("serial");
    return openSerial({ longLines: $("serial-long-lines").checked });
  }
  return openHttp();
}

// ---------------------------------------------------------------------------------------------
// Step 1: connect

function securityFromForm() {
  if ($("sec0").checked) return { secVer: 0 };
  const secret = $("secret").value;
  const username = $("username").value.trim();
  const security = username ? { username, password: secret } : { pop: secret };
  if (qr && (qr.security === 1 || qr.security === 2)) security.secVer = qr.security;
  return security;
}

async function connect() {
  if (!$("sec0").checked && $("secret").value === "") {
    invalid("secret");
    showResult("missing", "Proof of possession needed", "Enter the PoP or password printed on the device.");
    return;
  }
  stopBackoff();
  hideResult();
  setConnectNote("");
  await closeDevice();
  $("network-view").hidden = true;
  setBusy(true);
  resetPhases("connect-phases");
  try {
    const transport = await openTransport();
    device = await Device.connect(transport, securityFromForm(), onPhase);
  } catch (error) {
    device = null;
    failActivePhase("connect-phases");
    setBusy(false);
    showConnectError(error);
    return;
  }
  finishPhases("connect-phases");
  setBusy(false);
  // The form is done with: fold it away so the network step fits a phone screen.
  $("connect-form").hidden = true;
  showConnected();
  $("network-view").hidden = false;
  // No focus on a text field here: on a phone that would open the keyboard over the list.
  $("network-view").scrollIntoView({ block: "start" });
  scan();
}

function showConnected() {
  const security = device.security();
  const handshake = device.timings().handshake;
  const note = $("connect-result");
  note.replaceChildren();
  const line = document.createElement("p");
  line.className = security.secVer === 0 ? "msg warning" : "msg ok";
  line.id = "security-line";
  line.dataset.secVer = String(security.secVer);
  if (security.patch != null) line.dataset.secPatch = String(security.patch);
  line.textContent = `Connected, ${securityName(security)}.`;
  note.append(line);
  if (handshake != null) {
    const time = document.createElement("p");
    time.className = "help";
    time.id = "handshake-time";
    time.dataset.ms = handshake.toFixed(1);
    time.textContent = `Handshake ${Math.round(handshake)} ms`;
    note.append(time);
  }
  for (const warning of device.warnings()) {
    const item = document.createElement("p");
    item.className = "msg warning";
    item.textContent = `Warning: ${warning}`;
    note.append(item);
  }
}

function securityName({ secVer, patch }) {
  if (secVer === 0) return "no security (security 0: anyone nearby can read the passphrase)";
  if (secVer === 1) return "security 1 (proof of possession)";
  return patch != null ? `security 2 (password, patch ${patch})` : "security 2 (password)";
}

function showConnectError(error) {
  const { kind, title, text, hint } = describeError(error);
  if (kind === "auth_failed") {
    showResult(kind, title, text, hint);
    invalid("secret");
    $("secret").select();
    return;
  }
  if (kind === "backoff") {
    startBackoff(error.retryAfter);
    return;
  }
  if (/HTTP 405\b/.test(text ?? "")) {
    // `uniprov web` serves the page alone: its POST answers 405 Method Not Allowed.
    showResult("no_device", "No device behind this page", "This address serves only the page (uniprov web).", "Connect over Bluetooth or a serial cable instead.");
    return;
  }
  showResult(kind, title, text, hint);
}

/** The device refuses handshakes for a while: count down, keep Connect disabled until then. */
function startBackoff(seconds) {
  let left = Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 30;
  const tick = () => {
    if (left <= 0) {
      stopBackoff();
      showResult("backoff", "You can try again now", "Check the proof of possession or password, then Connect.");
      return;
    }
    showResult("backoff", "Too many attempts", `The device accepts a new try in ${left} s.`, "Check the proof of possession or password meanwhile.");
    $("result").dataset.retryAfter = String(left);
    left -= 1;
  };
  $("connect-button").disabled = true;
  tick();
  backoffTimer = setInterval(tick, 1000);
}

function stopBackoff() {
  if (backoffTimer) clearInterval(backoffTimer);
  backoffTimer = null;
  $("connect-button").disabled = false;
}

async function closeDevice() {
  if (!device) return;
  const old = device;
  device = null;
  try {
    await old.close();
  } catch (_) {
    // Best effort: the link may already be gone.
  }
}

// ---------------------------------------------------------------------------------------------
// Step 2: scan, pick, provision

async function scan() {
  if (!device) return;
  const info = device.info();
  const list = $("network-list");
  if (Array.isArray(info.capabilities) && !info.capabilities.includes("wifi_scan")) {
    $("scan-status").textContent = "This device cannot scan: type the network name.";
    $("scan-button").hidden = true;
    return;
  }
  $("scan-button").disabled = true;
  $("provision-button").disabled = true;
  $("scan-status").textContent = "Scanning…";
  try {
    const networks = await device.scan();
    renderNetworks(networks);
    $("scan-status").textContent = networks.length
      ? "Tap your network, or type its name below."
      : "No network found: type its name below.";
  } catch (error) {
    list.replaceChildren();
    $("scan-status").textContent = `Scan failed (${describeError(error).title.toLowerCase()}): type the network name below.`;
  } finally {
    $("scan-button").disabled = false;
    $("provision-button").disabled = false;
  }
}

/** One button per SSID (the strongest access point of each), strongest first. */
function renderNetworks(networks) {
  const best = new Map();
  for (const network of networks) {
    if (!network.ssid) continue; // hidden networks: type the name
    const seen = best.get(network.ssid);
    if (!seen || network.rssi > seen.rssi) best.set(network.ssid, network);
  }
  const sorted = [...best.values()].sort((a, b) => b.rssi - a.rssi);
  const items = sorted.map((network) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("aria-pressed", String(network.ssid === $("ssid").value));
    button.dataset.ssid = network.ssid;
    const name = document.createElement("span");
    name.className = "ssid";
    name.textContent = network.ssid;
    const meta = document.createElement("span");
    meta.className = "meta";
    const open = network.auth === "open";
    meta.append(signalBars(network.rssi), ` ${authName(network.auth)}`);
    button.setAttribute("aria-label", `${network.ssid}, signal ${signalWord(network.rssi)}, ${open ? "open" : "secured"}`);
    button.append(name, meta);
    button.addEventListener("click", () => pickNetwork(network));
    item.append(button);
    return item;
  });
  $("network-list").replaceChildren(...items);
}

function pickNetwork(network) {
  $("ssid").value = network.ssid;
  $("ssid").removeAttribute("aria-invalid");
  for (const button of $("network-list").querySelectorAll("button")) {
    button.setAttribute("aria-pressed", String(button.dataset.ssid === network.ssid));
  }
  if (network.auth === "open") {
    $("passphrase").value = "";
    $("provision-button").focus();
  } else {
    $("passphrase").focus();
  }
}

/** Four bars, as many lit as the signal deserves (decorative: the label says it in words). */
function signalBars(rssi) {
  const level = rssi >= -55 ? 4 : rssi >= -65 ? 3 : rssi >= -75 ? 2 : 1;
  const bars = document.createElement("span");
  bars.className = "bars";
  bars.setAttribute("aria-hidden", "true");
  for (let i = 1; i <= 4; i++) {
    const bar = document.createElement("i");
    if (i <= level) bar.className = "on";
    bars.append(bar);
  }
  return bars;
}

const AUTH_NAMES = {
  open: "open",
  wep: "WEP",
  wpa_psk: "WPA",
  wpa2_psk: "WPA2",
  wpa_wpa2_psk: "WPA/WPA2",
  wpa2_enterprise: "WPA2-EAP",
  wpa3_psk: "WPA3",
  wpa2_wpa3_psk: "WPA2/WPA3",
};

function authName(auth) {
  return AUTH_NAMES[auth] ?? String(auth ?? "").replace(/_/g, " ").toUpperCase();
}

function signalWord(rssi) {
  return rssi >= -55 ? "excellent" : rssi >= -65 ? "good" : rssi >= -75 ? "fair" : "weak";
}

async function provision() {
  if (!device) {
    showResult("closed", "Not connected", "Connect to the device first.");
    return;
  }
  const ssid = $("ssid").value;
  if (ssid === "") {
    invalid("ssid");
    showResult("missing", "Network name needed", "Pick a network from the list or type its name.");
    $("ssid").focus();
    return;
  }
  hideResult();
  setBusy(true);
  resetPhases("provision-phases");
  let result;
  try {
    result = await device.provision(ssid, $("passphrase").value);
  } catch (error) {
    failActivePhase("provision-phases");
    setBusy(false);
    showProvisionError(error, ssid);
    return;
  }
  finishPhases("provision-phases");
  setBusy(false);
  showResult("connected", "Connected", `The device joined “${ssid}”.`, "");
  const ip = document.createElement("span");
  ip.id = "result-ip";
  ip.textContent = result.ip;
  $("result-text").append(" IP address: ", ip, ".");
  $("result-hint").textContent = "You can close this page.";
  $("result").scrollIntoView({ block: "nearest" });
  for (const id of ["ssid", "passphrase", "provision-button", "scan-button"]) $(id).disabled = true;
  for (const button of $("network-list").querySelectorAll("button")) button.disabled = true;
}

function showProvisionError(error, ssid) {
  const described = describeError(error);
  if (described.kind === "wifi_auth") {
    showResult("wifi_auth", "Wrong passphrase", `The device could not join “${ssid}”: the passphrase was refused.`, "Check it and press Provision again.");
    invalid("passphrase");
    $("passphrase").select();
    return;
  }
  if (described.kind === "network_not_found") {
    showResult("network_not_found", "Network not found", `The device cannot see “${ssid}”.`, "Check the name (it is case-sensitive) or pick one from the list.");
    invalid("ssid");
    $("ssid").focus();
    return;
  }
  showResult(described.kind, described.title, described.text, described.hint);
  if (["closed", "auth_failed", "unreachable", "timeout"].includes(described.kind)) {
    // The session is gone: start again from step 1 (the form keeps what was typed).
    device = null;
    $("connect-form").hidden = false;
    $("result-hint").textContent = `${described.hint ?? ""} Press Connect to start a new session.`.trim();
    $("connect-button").focus();
  }
}

// ---------------------------------------------------------------------------------------------
// Errors, phases, results

/** A person's words for a rejected call (docs/web-api.md: `{ class, message, hint?, retryAfter? }`). */
function describeError(error) {
  const kind = (error && (error.class || error.kind)) || "other";
  const message = error && typeof error.message === "string" ? error.message : "";
  const hint = error && typeof error.hint === "string" ? error.hint : undefined;
  switch (kind) {
    case "auth_failed":
      return { kind, title: "Wrong proof of possession or password", text: "The device did not accept it.", hint: "Check the PoP / password printed on the device and try again." };
    case "unreachable":
      return { kind, title: "Device unreachable", text: "No answer from the device.", hint: hint ?? "Make sure this phone or computer is on the device's Wi-Fi network (or near it), then try again." };
    case "timeout":
      return { kind, title: "The device stopped answering", text: message, hint: hint ?? "Move closer to the device and try again." };
    case "closed":
      return { kind, title: "The device closed the connection", text: message, hint };
    case "backoff":
      return { kind, title: "Too many attempts", text: message, hint };
    case "not_offered":
      return { kind, title: "Not supported by the device", text: message, hint };
    case "wifi_auth":
      return { kind, title: "Wrong passphrase", text: message, hint };
    case "network_not_found":
      return { kind, title: "Network not found", text: message, hint };
    default:
      return { kind: "error", title: "Something went wrong", text: message || String(kind), hint };
  }
}

/** Shows the outcome right under the step it belongs to (connect or provision). */
function showResult(outcome, title, text, hint) {
  const section = $("result");
  const step = $("network-view").hidden ? "connect-view" : "network-view";
  if (section.parentElement !== $(step)) $(step).append(section);
  section.dataset.outcome = outcome;
  delete section.dataset.retryAfter;
  $("result-title").textContent = title;
  $("result-text").textContent = text ?? "";
  $("result-hint").textContent = hint ?? "";
  section.hidden = false;
  section.scrollIntoView({ block: "nearest" });
}

function hideResult() {
  const section = $("result");
  section.hidden = true;
  delete section.dataset.outcome;
}

function setConnectNote(text, style = "help") {
  const note = $("connect-result");
  note.replaceChildren();
  if (!text) return;
  const line = document.createElement("p");
  line.className = `msg ${style}`;
  line.textContent = text;
  note.append(line);
}

function invalid(id) {
  $(id).setAttribute("aria-invalid", "true");
  $(id).focus();
}

function setBusy(busy) {
  for (const id of ["connect-button", "provision-button", "scan-button"]) $(id).disabled = busy;
  document.body.setAttribute("aria-busy", String(busy));
}

/** The wasm client's phase callback: marks the phase active and the one before it done. */
function onPhase(name) {
  const item = document.querySelector(`.phases li[data-phase="${name}"]`);
  if (!item) return;
  const list = item.parentElement;
  list.hidden = false;
  for (const other of list.children) {
    if (other === item) break;
    other.dataset.state = "done";
  }
  item.dataset.state = "active";
}

function resetPhases(id) {
  const list = $(id);
  list.hidden = false;
  for (const item of list.children) item.dataset.state = "pending";
}

function finishPhases(id) {
  for (const item of $(id).children) item.dataset.state = "done";
}

function failActivePhase(id) {
  const active = $(id).querySelector('[data-state="active"]');
  if (active) active.dataset.state = "failed";
}

start();
