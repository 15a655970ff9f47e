// The provisioning page in Debian's headless Chromium, opened from a running `uniprov device`
// (simulated radio) and driven as a person would: fill the fields, click, read the page.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startDevice, launchBrowser, screenshot, HOME, OFFICE, PHONE } from "./harness.mjs";

const TIMEOUT = { timeout: 90000 };
let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** A fresh secret per test, so a leak would be found by value. */
function secret(prefix) {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}

/** Runs `body(device, page)` with a device started with `args`, cleaning up whatever happens. */
async function withDevice(args, body, options = {}) {
  const device = await startDevice({ args, ...options });
  const page = await browser.newPage();
  try {
    await body(device, page);
  } catch (error) {
    error.message += `\n--- device stderr ---\n${device.stderr()}\n--- page console ---\n${page.consoleLines.join("\n")}`;
    throw error;
  } finally {
    await page.close();
    await device.stop();
  }
}

/** Fills the secret and presses Connect; waits for the negotiated security line. */
async function connectWith(page, secretValue, { username } = {}) {
  await page.getByLabel("Proof of possession or password").fill(secretValue);
  if (username !== undefined) {
    await page.getByText("More options").click();
    await page.getByLabel("Username (security 2)").fill(username);
  }
  await page.getByRole("button", { name: "Connect" }).click();
}

async function waitConnected(page, secVer) {
  const line = page.locator(`#security-line[data-sec-ver="${secVer}"]`);
  await line.waitFor({ timeout: 30000 });
  return line;
}

/** The scan list's SSIDs, in the page's order. */
async function listedNetworks(page) {
  await page.locator("#network-list button").first().waitFor({ timeout: 30000 });
  return page.locator("#network-list button .ssid").allTextContents();
}

async function provisionWith(page, ssid, passphrase, { typeSsid = true } = {}) {
  if (typeSsid) await page.getByLabel("Network name (SSID)").fill(ssid);
  await page.getByLabel("Passphrase").fill(passphrase);
  await page.getByRole("button", { name: "Provision" }).click();
}

async function outcome(page, expected) {
  await page.locator(`#result[data-outcome="${expected}"]`).waitFor({ timeout: 30000 });
  return {
    title: await page.locator("#result-title").textContent(),
    text: await page.locator("#result-text").textContent(),
  };
}

/** No secret in the browser console, and nothing the page's Content-Security-Policy refused. */
function assertNoSecretInConsole(page, ...secrets) {
  const text = page.consoleLines.join("\n");
  for (const value of secrets) assert.ok(!text.includes(value), "a secret reached the browser console");
  assert.ok(!/Content Security Policy|pageerror/.test(text), `the page logged an error:\n${text}`);
}

async function expectSuccess(page, device, ssid) {
  const result = await outcome(page, "connected");
  assert.match(result.title, /Connected/);
  const ip = await page.locator("#result-ip").textContent();
  assert.match(ip, /^\d{1,3}(\.\d{1,3}){3}$/, `the page shows an IPv4 address, got ${ip}`);
  const received = await device.waitEvent("cred_recv");
  assert.equal(received.ssid, ssid);
  await device.waitEvent("cred_success");
  return ip;
}

test("security 1: connect with the PoP, type the SSID, provision, see connected + IP", TIMEOUT, async () => {
  const pop = secret("pop");
  await withDevice(["--sec-ver", "1", "--pop", pop], async (device, page) => {
    const response = await page.goto(device.url);
    assert.equal(response.status(), 200, "the device serves the page");
    assert.ok(response.headers()["content-security-policy"], "with its Content-Security-Policy");
    await page.getByRole("heading", { name: "Wi-Fi setup" }).waitFor();
    await connectWith(page, pop);
    await waitConnected(page, 1);
    await provisionWith(page, HOME.ssid, HOME.passphrase);
    await expectSuccess(page, device, HOME.ssid);
    assert.equal(await page.locator('#provision-phases li[data-state="done"]').count(), 3);
    assertNoSecretInConsole(page, pop, HOME.passphrase);
  });
});

test("the page embedded in the binary (no --web-root) provisions too", TIMEOUT, async () => {
  const pop = secret("pop");
  await withDevice(["--sec-ver", "1", "--pop", pop], async (device, page) => {
    await page.goto(device.url);
    await connectWith(page, pop);
    await waitConnected(page, 1);
    await provisionWith(page, HOME.ssid, HOME.passphrase);
    await expectSuccess(page, device, HOME.ssid);
  }, { embedded: true });
});

for (const patch of [0, 1]) {
  test(`security 2 patch ${patch}: QR payload in the URL fragment fills the form, provision end to end`, TIMEOUT, async () => {
    const password = secret("pwd");
    const username = patch === 0 ? "admin" : "wifiprov";
    const args = ["--sec-ver", "2", "--sec2-username", username, "--sec2-pwd", password, "--sec-patch-ver", String(patch)];
    await withDevice(args, async (device, page) => {
      const payload = { ver: "v1", name: "PROV_web", pop: password, transport: "softap", security: 2, username };
      await page.goto(`${device.url}#${encodeURIComponent(JSON.stringify(payload))}`);
      const secretField = page.getByLabel("Proof of possession or password");
      await secretField.waitFor();
      await page.waitForFunction(() => document.getElementById("secret").value !== "");
      assert.equal(await secretField.inputValue(), password, "the QR payload filled the password");
      assert.equal(await page.getByLabel("Username (security 2)").inputValue(), username);
      assert.ok(!page.url().includes(password), "the secret left the address bar");
      if (patch === 1) await screenshot(page, "web-connect.png");
      await page.getByRole("button", { name: "Connect" }).click();
      const line = await waitConnected(page, 2);
      assert.equal(await line.getAttribute("data-sec-patch"), String(patch), "the negotiated patch version is shown");
      const ms = Number(await page.locator("#handshake-time").getAttribute("data-ms"));
      assert.ok(ms > 0, "the page shows the handshake time");
      console.log(`in-browser security 2 (patch ${patch}) handshake: ${ms.toFixed(1)} ms`);
      await provisionWith(page, HOME.ssid, HOME.passphrase);
      await expectSuccess(page, device, HOME.ssid);
      assertNoSecretInConsole(page, password, HOME.passphrase);
    });
  });
}

test("security 0: refused unless the person says the device has none; then it works, and the page says what that means", TIMEOUT, async () => {
  await withDevice(["--sec-ver", "0"], async (device, page) => {
    await page.goto(device.url);
    // Without the switch the page asks for a secret instead of silently going unencrypted.
    await page.getByRole("button", { name: "Connect" }).click();
    await outcome(page, "missing");
    await page.getByText("More options").click();
    await page.getByLabel("The device has no security").check();
    await page.getByRole("button", { name: "Connect" }).click();
    await waitConnected(page, 0);
    assert.match(await page.locator("#security-line").textContent(), /no security .*anyone nearby can read the passphrase/);
    await provisionWith(page, HOME.ssid, HOME.passphrase);
    await expectSuccess(page, device, HOME.ssid);
  });
});

test("wrong PoP: the page says so, goes back to the secret field, the device is not provisioned; the right PoP then connects", TIMEOUT, async () => {
  const pop = secret("pop");
  const wrong = secret("wrong");
  await withDevice(["--sec-ver", "1", "--pop", pop], async (device, page) => {
    await page.goto(device.url);
    await connectWith(page, wrong);
    const result = await outcome(page, "auth_failed");
    assert.match(result.title, /Wrong proof of possession or password/);
    const field = page.getByLabel("Proof of possession or password");
    assert.equal(await field.getAttribute("aria-invalid"), "true");
    assert.ok(await field.evaluate((el) => el === document.activeElement), "focus is back on the secret field");
    assert.ok(await page.locator("#network-view").isHidden(), "no network step without a session");
    assert.ok(!device.events.some((e) => e.event === "cred_recv"), "the device received no credentials");
    // The retry starts a new session (a fresh cookie) and succeeds.
    await connectWith(page, pop);
    await waitConnected(page, 1);
    assert.ok(await page.locator("#result").isHidden(), "the old error is gone");
    assertNoSecretInConsole(page, pop, wrong);
  });
});

test("wrong password on security 2 is reported as a wrong PoP / password", TIMEOUT, async () => {
  const password = secret("pwd");
  await withDevice(["--sec-ver", "2", "--sec2-pwd", password], async (device, page) => {
    await page.goto(device.url);
    await connectWith(page, secret("wrong"));
    await outcome(page, "auth_failed");
    assert.ok(!device.events.some((e) => e.event === "cred_recv"));
  });
});

test("wrong passphrase, then the corrected one on the same session", TIMEOUT, async () => {
  const password = secret("pwd");
  await withDevice(["--sec-ver", "2", "--sec2-pwd", password], async (device, page) => {
    await page.goto(device.url);
    await connectWith(page, password);
    await waitConnected(page, 2);
    await provisionWith(page, HOME.ssid, "not-the-passphrase");
    const result = await outcome(page, "wifi_auth");
    assert.match(result.title, /Wrong passphrase/);
    const field = page.getByLabel("Passphrase");
    assert.equal(await field.getAttribute("aria-invalid"), "true");
    const failure = await device.waitEvent("cred_fail");
    assert.equal(failure.reason, "auth_error");
    // Same page, same session: no new Connect, just the corrected passphrase.
    await field.fill(HOME.passphrase);
    await page.getByRole("button", { name: "Provision" }).click();
    await expectSuccess(page, device, HOME.ssid);
    assert.equal(device.events.filter((e) => e.event === "cred_recv").length, 2);
    assertNoSecretInConsole(page, password, "not-the-passphrase", HOME.passphrase);
  });
});

test("network not found: back to the network name, then a listed network on the same session", TIMEOUT, async () => {
  const pop = secret("pop");
  await withDevice(["--sec-ver", "1", "--pop", pop], async (device, page) => {
    await page.goto(device.url);
    await connectWith(page, pop);
    await waitConnected(page, 1);
    await provisionWith(page, "NoSuchNetwork", "whatever-it-is");
    const result = await outcome(page, "network_not_found");
    assert.match(result.title, /Network not found/);
    assert.equal(await page.getByLabel("Network name (SSID)").getAttribute("aria-invalid"), "true");
    assert.equal((await device.waitEvent("cred_fail")).reason, "network_not_found");
    await page.getByRole("button", { name: /^HomeNetwork,/ }).click();
    await provisionWith(page, HOME.ssid, HOME.passphrase, { typeSsid: false });
    await outcome(page, "connected");
    await device.waitEvent("cred_success");
  });
});

test("scan pick: the device's networks are listed strongest first; tapping one fills the SSID", TIMEOUT, async () => {
  const password = secret("pwd");
  await withDevice(["--sec-ver", "2", "--sec2-pwd", password], async (device, page) => {
    await page.goto(device.url);
    await connectWith(page, password);
    await waitConnected(page, 2);
    const networks = await listedNetworks(page);
    assert.deepEqual(networks.slice(0, 3), ["HomeNetwork", "Office-5G", "CoffeeShop"]);
    await screenshot(page, "web-networks.png");
    // The narrowest common phone: nothing may stick out sideways.
    await page.setViewportSize({ width: 360, height: 740 });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `the page is ${width} px wide at a 360 px screen`);
    await page.setViewportSize(PHONE);
    await page.getByRole("button", { name: /^Office-5G,/ }).click();
    assert.equal(await page.getByLabel("Network name (SSID)").inputValue(), OFFICE.ssid);
    assert.ok(await page.getByLabel("Passphrase").evaluate((el) => el === document.activeElement), "the passphrase field has focus");
    await provisionWith(page, OFFICE.ssid, OFFICE.passphrase, { typeSsid: false });
    await expectSuccess(page, device, OFFICE.ssid);
    await screenshot(page, "web-connected.png");
    assertNoSecretInConsole(page, password, OFFICE.passphrase);
  });
});

test("too many wrong PoPs: the device's backoff (HTTP 429) is counted down, then the right PoP connects", TIMEOUT, async () => {
  const pop = secret("pop");
  const args = ["--sec-ver", "1", "--pop", pop, "--auth-max-failures", "1", "--auth-backoff-cap-s", "2"];
  await withDevice(args, async (device, page) => {
    await page.goto(device.url);
    const connectButton = page.getByRole("button", { name: "Connect" });
    // The first wrong PoP is a plain failure; the next try inside the backoff is refused with
    // 429. On a slow machine the backoff may be over before the next click: try a few times.
    let seen = null;
    for (let attempt = 0; attempt < 4 && seen !== "backoff"; attempt++) {
      await connectWith(page, secret("wrong"));
      await page.locator("#result[data-outcome]").waitFor({ timeout: 30000 });
      seen = await page.locator("#result").getAttribute("data-outcome");
      assert.ok(["auth_failed", "backoff"].includes(seen), `unexpected outcome ${seen}`);
    }
    assert.equal(seen, "backoff", "the device's backoff reached the page");
    assert.match(await page.locator("#result-text").textContent(), /new try in \d+ s/);
    assert.ok(await connectButton.isDisabled(), "Connect waits for the backoff");
    await page.waitForFunction(() => !document.getElementById("connect-button").disabled, null, { timeout: 10000 });
    await connectWith(page, pop);
    await waitConnected(page, 1);
    assert.ok(device.events.some((e) => e.event === "auth_backoff"), "the device reported its backoff");
  });
});

test("device unreachable: Connect after the device went away says so", TIMEOUT, async () => {
  const pop = secret("pop");
  const device = await startDevice({ args: ["--sec-ver", "1", "--pop", pop] });
  const page = await browser.newPage();
  try {
    await page.goto(device.url);
    await page.getByLabel("Proof of possession or password").fill(pop);
    await device.stop();
    await page.getByRole("button", { name: "Connect" }).click();
    const result = await outcome(page, "unreachable");
    assert.match(result.title, /Device unreachable/);
  } finally {
    await page.close();
    await device.stop();
  }
});

test("uniprov web: the page alone; Connect over HTTP says there is no device behind it", TIMEOUT, async () => {
  const { spawn } = await import("node:child_process");
  const { uniprovBin } = await import("./harness.mjs");
  const child = spawn(uniprovBin(), ["web", "--listen", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "pipe"] });
  const page = await browser.newPage();
  try {
    let printed = "";
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`uniprov web printed no URL: ${printed}`)), 20000);
      const look = (chunk) => {
        printed += chunk;
        const found = printed.match(/http:\/\/(?:localhost|127\.0\.0\.1):\d+\//);
        if (found) {
          clearTimeout(timer);
          resolve(found[0]);
        }
      };
      child.stdout.on("data", look);
      child.stderr.on("data", look);
      child.on("exit", (code) => reject(new Error(`uniprov web exited ${code}: ${printed}`)));
    });
    await page.goto(url);
    await page.getByLabel("Proof of possession or password").fill("abcd1234");
    await page.getByRole("button", { name: "Connect" }).click();
    const result = await outcome(page, "no_device");
    assert.match(result.title, /No device behind this page/);
  } finally {
    await page.close();
    child.kill("SIGINT");
  }
});

test("the wasm API beyond the page's buttons: custom-data and prov-ctrl on a security 2 session", TIMEOUT, async () => {
  const password = secret("pwd");
  const args = ["--sec-ver", "2", "--sec2-pwd", password, "--custom-endpoint", "custom-data"];
  await withDevice(args, async (device, page) => {
    await page.goto(device.url);
    const result = await page.evaluate(async (password) => {
      const wasm = await import("./pkg/uniprov_web.js");
      await wasm.default();
      const { openHttp } = await import("./http.js");
      const session = await wasm.Device.connect(openHttp(), { password });
      const reply = await session.custom("custom-data", new TextEncoder().encode("hello"));
      let unknown;
      try {
        await session.ctrl("explode");
      } catch (error) {
        unknown = error.class;
      }
      let missing;
      try {
        await session.custom("no-such-endpoint", new Uint8Array([1]));
      } catch (error) {
        missing = error.class;
      }
      await session.close();
      return { reply: Array.from(reply), unknown, missing, security: session.security() };
    }, password);
    // The ESP examples' custom-data answers "SUCCESS\0" (uniprov device --custom-endpoint).
    assert.equal(String.fromCharCode(...result.reply), "SUCCESS\0");
    assert.equal(result.unknown, "usage");
    assert.ok(["other", "not_offered"].includes(result.missing), `an unknown endpoint: ${result.missing}`);
    assert.equal(result.security.secVer, 2);
    assertNoSecretInConsole(page, password);
  });
});
