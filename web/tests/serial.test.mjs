// The provisioning page over Web Serial, end to end, in Debian's headless Chromium.
//
// Chromium's serial port chooser cannot be automated with a real port (and this machine has
// none), so `navigator.serial` is a stand-in whose one port is bridged to a real `uniprov
// device` console process (serial-bridge.mjs). Everything above the port is the real code: the
// page, web/serial.js, the wasm client's console framing (lines, echo, line limit, response
// parsing). Not covered: a USB serial adapter and its driver, Chromium's chooser and
// permission, baud rate and line settings, unplugging (docs/web-bluetooth-serial.md).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { launchChromium, serveStatic, distDir, pageBuilt, HOME } from "./ble-and-serial-support.mjs";
import { startConsoleDevice, bridgeSerial } from "./serial-bridge.mjs";
import { openPage, connectWith, waitConnected, provisionWith, outcome, assertNoSecretIn } from "./ble-and-serial-page.mjs";

const TIMEOUT = { timeout: 120000 };
/** ESP-IDF's console line buffer, CR included (docs/protocol.md §9.3). */
const ESP_MAX_LINE = 255;
let chromium;
let site;

before(async () => {
  assert.ok(pageBuilt(), `${distDir} lacks the page or its wasm: run scripts/web.sh first`);
  chromium = await launchChromium();
  site = await serveStatic(distDir);
});

after(async () => {
  await chromium?.close();
  await site?.close();
});

function secret(prefix) {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}

/** A console device (`echo`, `args`) bridged to the page's serial port, the page open. */
async function withSerialDevice({ echo, args }, body) {
  const { device, console } = await startConsoleDevice({ echo, args });
  const page = await chromium.newPage();
  try {
    const log = await bridgeSerial(page, console);
    await openPage(page, site.url);
    await body({ page, device, log });
  } catch (error) {
    error.message += `\n--- page console ---\n${page.consoleLines.join("\n")}\n--- device stderr ---\n${device.stderr()}`;
    throw error;
  } finally {
    await page.context().close();
    await device.stop();
  }
}

/** The request lines the page wrote (each write one burst). */
function lines(log) {
  return log.writes.map((bytes) => bytes.toString("latin1"));
}

test("serial, security 1, ESP's 255-byte lines and echo: provision through the page; every line fits and ends with a lone CR", TIMEOUT, async () => {
  const pop = secret("pop");
  await withSerialDevice({ echo: true, args: ["--sec-ver", "1", "--pop", pop] }, async ({ page, device, log }) => {
    await page.getByLabel("Serial cable").check();
    assert.equal(await page.getByLabel(/Long lines/).isChecked(), false, "ESP's line limit is the default");
    await connectWith(page, pop);
    await waitConnected(page, 1);
    await provisionWith(page, HOME.ssid, HOME.passphrase);
    await outcome(page, "connected");
    assert.equal((await device.waitEvent("cred_recv")).ssid, HOME.ssid);
    await device.waitEvent("cred_success");

    const written = lines(log);
    assert.ok(written.length >= 5, `requests were written: ${written.length}`);
    for (const line of written) {
      assert.ok(line.length <= ESP_MAX_LINE, `a ${line.length}-byte line fits ESP's console`);
      assert.ok(line.endsWith("\r") && !line.endsWith("\n\r") && !line.includes("\n"), "one burst ending with a lone CR");
    }
    for (const endpoint of ["proto-ver", "prov-session", "prov-config"]) {
      assert.ok(written.some((l) => l.startsWith(`${endpoint} `)), `a ${endpoint} line`);
    }
    assert.equal(log.baudRate, 115200);
    assertNoSecretIn(page, pop, HOME.passphrase);
  });
});

test("serial, security 2 with ESP's 255-byte lines: the page says it cannot fit, and sends no such line", TIMEOUT, async (t) => {
  const password = secret("pwd");
  await withSerialDevice({ echo: true, args: ["--sec-ver", "2", "--sec2-pwd", password] }, async ({ page, device, log }) => {
    await page.getByLabel("Serial cable").check();
    await connectWith(page, password);
    const shown = await page.locator("#result").waitFor({ timeout: 60000 }).then(async () => ({
      outcome: await page.locator("#result").getAttribute("data-outcome"),
      text: await page.locator("#result").textContent(),
    }));
    t.diagnostic(`the page shows: ${shown.outcome}: ${shown.text.replace(/\s+/g, " ").trim()}`);
    assert.notEqual(shown.outcome, "auth_failed", "not mistaken for a wrong password");
    assert.match(shown.text, /255/, `the limit is named: ${shown.text}`);
    assert.match(shown.text, /security 2|line/i, `the reason is given: ${shown.text}`);
    assert.match(shown.text, /Long lines/, `the page's own switch is named: ${shown.text}`);
    assert.doesNotMatch(shown.text, /--console-max-line/, `no CLI option on the page: ${shown.text}`);
    assert.ok(lines(log).every((l) => l.length <= ESP_MAX_LINE), "no over-long line reached the device");
    assert.ok(!lines(log).some((l) => l.startsWith("prov-session ")), "no handshake line was sent");
    assert.ok(await page.locator("#network-view").isHidden());
    assert.ok(!device.events.some((e) => e.event === "cred_recv"));
    assertNoSecretIn(page, password);
  });
});

test("serial, security 2 with long lines (a uniprov device console): provision through the page", TIMEOUT, async () => {
  const password = secret("pwd");
  await withSerialDevice({ echo: true, args: ["--sec-ver", "2", "--sec2-pwd", password] }, async ({ page, device, log }) => {
    await page.getByLabel("Serial cable").check();
    await page.getByLabel(/Long lines/).check();
    await connectWith(page, password);
    await waitConnected(page, 2);
    assert.ok(lines(log).some((l) => l.startsWith("prov-session ") && l.length > 800), "the SRP Cmd0 line is longer than 800 bytes");
    await provisionWith(page, HOME.ssid, HOME.passphrase);
    await outcome(page, "connected");
    await device.waitEvent("cred_success");
    assertNoSecretIn(page, password, HOME.passphrase);
  });
});

test("serial without echo (a console on stdin/stdout): the wasm client and serial.js provision with security 2", TIMEOUT, async () => {
  const password = secret("pwd");
  await withSerialDevice({ echo: false, args: ["--sec-ver", "2", "--sec2-pwd", password] }, async ({ page, device, log }) => {
    // The page offers no echo switch (a device on a real serial line echoes): drive the same
    // modules the page uses directly.
    const result = await page.evaluate(async ({ password, ssid, passphrase }) => {
      const { Device } = await import("./pkg/uniprov_web.js");
      const { openSerial } = await import("./serial.js");
      const transport = await openSerial({ echoed: false, longLines: true });
      try {
        const device = await Device.connect(transport, { password });
        const security = device.security();
        const outcome = await device.provision(ssid, passphrase);
        await device.close();
        return { security, outcome };
      } catch (error) {
        return { error: { class: error.class, message: error.message } };
      }
    }, { password, ssid: HOME.ssid, passphrase: HOME.passphrase });
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.equal(result.security.secVer, 2);
    assert.equal(result.outcome.state, "connected");
    assert.match(result.outcome.ip, /^\d{1,3}(\.\d{1,3}){3}$/);
    assert.ok(lines(log).every((l) => l.endsWith("\r")));
    const exit = await device.exited;
    assert.equal(exit.code, 0, "the device finished provisioning and exited 0");
  });
});
