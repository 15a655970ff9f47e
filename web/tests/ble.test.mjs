// The provisioning page over Web Bluetooth, end to end, in Debian's headless Chromium.
//
// The Bluetooth side is Chromium's own emulation (CDP `BluetoothEmulation`, the fake central
// behind the WebDriver BiDi `bluetooth.*` commands): the page's real Web Bluetooth calls reach
// an emulated peripheral with an ESP device's GATT table, and every write is answered by a
// real `uniprov device` (simulated radio) over HTTP (ble-emulation.mjs). The page, web/ble.js
// and the wasm client are the real code; the chooser is answered through CDP `DeviceAccess`.
// Not covered: radio, BlueZ, advertising, MTU negotiation and long-write/long-read
// fragmentation, pairing, timing (docs/web-bluetooth-serial.md).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { launchChromium, startDevice, httpAddress, distDir, pageBuilt, HOME } from "./ble-and-serial-support.mjs";
import { emulatePeripheral } from "./ble-emulation.mjs";
import { openPage, connectWith, waitConnected, provisionWith, outcome, assertNoSecretIn } from "./ble-and-serial-page.mjs";

const TIMEOUT = { timeout: 120000 };
let chromium;

before(async () => {
  assert.ok(pageBuilt(), `${distDir} lacks the page or its wasm: run scripts/web.sh first`);
  chromium = await launchChromium();
});

after(async () => {
  await chromium?.close();
});

function secret(prefix) {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}

/**
 * A device with `args` behind an emulated peripheral (`peripheralOptions`), and the page, which
 * the same device serves (`--web-root web/dist`) as it would on its SoftAP.
 */
async function withBleDevice(args, peripheralOptions, body) {
  const device = await startDevice(["--transport", "http", "--listen", "127.0.0.1:0", "--web-root", distDir, ...args]);
  const page = await chromium.newPage();
  let peripheral;
  try {
    const deviceUrl = await httpAddress(device);
    peripheral = await emulatePeripheral(chromium.browser, { deviceUrl, ...peripheralOptions });
    await peripheral.attach(page);
    await openPage(page, deviceUrl);
    await page.getByLabel("Bluetooth").check();
    await body({ page, peripheral, device });
    assert.deepEqual(peripheral.log.errors, [], "the emulation harness saw no errors");
    const refused = page.consoleLines.filter((line) => /Content Security Policy/i.test(line));
    assert.deepEqual(refused, [], "ble.js runs under the device's Content-Security-Policy");
  } catch (error) {
    error.message += `\n--- page console ---\n${page.consoleLines.join("\n")}\n--- device stderr ---\n${device.stderr()}`;
    throw error;
  } finally {
    await peripheral?.close();
    await page.context().close();
    await device.stop();
  }
}

/** The endpoints written, in order, without repeats in a row. */
function endpointsWritten(log) {
  return log.writes.map((w) => w.endpoint).filter((e, i, all) => e !== all[i - 1]);
}

async function expectProvisioned(page, device) {
  await outcome(page, "connected");
  const received = await device.waitEvent("cred_recv");
  assert.equal(received.ssid, HOME.ssid);
  await device.waitEvent("cred_success");
}

test("Bluetooth, security 1: chooser, descriptors, handshake, scan, provision; the device reports cred_success", TIMEOUT, async () => {
  const pop = secret("pop");
  await withBleDevice(["--sec-ver", "1", "--pop", pop], {}, async ({ page, peripheral, device }) => {
    await connectWith(page, pop);
    await waitConnected(page, 1);
    assert.deepEqual(peripheral.log.prompts, [[peripheral.address]], "the chooser offered the peripheral");
    assert.equal(peripheral.log.descriptorReads, 6, "every 0x2901 descriptor was read");
    await provisionWith(page, HOME.ssid, HOME.passphrase);
    await expectProvisioned(page, device);
    const written = endpointsWritten(peripheral.log);
    for (const endpoint of ["proto-ver", "prov-session", "prov-scan", "prov-config"]) {
      assert.ok(written.includes(endpoint), `${endpoint} was written: ${written}`);
    }
    assert.equal(peripheral.log.connections, 1, "one GATT connection for the whole provisioning");
    assert.ok(peripheral.log.writes.every((w) => w.writeType === "write-with-response"));
    assertNoSecretIn(page, pop, HOME.passphrase);
  });
});

test("Bluetooth, security 2: values of 400+ bytes (more than one ATT MTU) both ways, provision end to end", TIMEOUT, async (t) => {
  const password = secret("pwd");
  const args = ["--sec-ver", "2", "--sec2-pwd", password];
  await withBleDevice(args, { serviceUuid: "1775244d-6b43-439b-877c-060f2d9bed07", name: "PROV_sec2" }, async ({ page, peripheral, device }) => {
    await connectWith(page, password);
    await waitConnected(page, 2);
    const sessionWrites = peripheral.log.writes.filter((w) => w.endpoint === "prov-session").map((w) => w.length);
    const sessionReads = peripheral.log.reads.filter((r) => r.endpoint === "prov-session").map((r) => r.length);
    // SRP's A (384 bytes) in Cmd0 and B (384) + salt in Resp0: far beyond the 20 bytes of a
    // default ATT MTU and beyond a 247-byte one; Web Bluetooth allows 512.
    t.diagnostic(`prov-session writes ${sessionWrites.join(", ")} bytes; reads ${sessionReads.join(", ")} bytes`);
    assert.ok(Math.max(...sessionWrites) > 400, `a long write: ${sessionWrites}`);
    assert.ok(Math.max(...sessionReads) > 400, `a long read: ${sessionReads}`);
    await provisionWith(page, HOME.ssid, HOME.passphrase);
    await expectProvisioned(page, device);
    assertNoSecretIn(page, password, HOME.passphrase);
  });
});

test("Bluetooth, a device without 0x2901 descriptors: endpoints by ESP's derived UUIDs, provision end to end", TIMEOUT, async () => {
  const pop = secret("pop");
  await withBleDevice(["--sec-ver", "1", "--pop", pop], { descriptors: false }, async ({ page, peripheral, device }) => {
    await connectWith(page, pop);
    await waitConnected(page, 1);
    assert.equal(peripheral.log.descriptorReads, 0);
    await provisionWith(page, HOME.ssid, HOME.passphrase);
    await expectProvisioned(page, device);
  });
});

test("Bluetooth, wrong PoP: the refused write is reported as a wrong PoP / password; nothing provisioned", TIMEOUT, async () => {
  const pop = secret("pop");
  await withBleDevice(["--sec-ver", "1", "--pop", pop], {}, async ({ page, peripheral, device }) => {
    await connectWith(page, secret("wrong"));
    await outcome(page, "auth_failed");
    assert.ok(peripheral.log.refused >= 1, "the device refused a handshake write");
    assert.ok(!device.events.some((e) => e.event === "cred_recv"));
  });
});

test("Bluetooth from a QR payload link: transport, name and PoP filled in; the chooser lists that device only", TIMEOUT, async () => {
  const pop = secret("pop");
  const name = "PROV_qr7731";
  const bystanders = [{ name: "PROV_other", address: "22:33:44:55:66:77" }];
  await withBleDevice(["--sec-ver", "1", "--pop", pop], { name, bystanders }, async ({ page, peripheral, device }) => {
    const payload = { ver: "v1", name, pop, transport: "ble", security: 1 };
    await page.goto(`${page.url().split("#")[0]}#${encodeURIComponent(JSON.stringify(payload))}`);
    await page.reload();
    await page.locator("#connect-view").waitFor({ state: "visible" });
    assert.equal(await page.getByLabel("Bluetooth").isChecked(), true, "the QR payload's transport picked Bluetooth");
    assert.equal(await page.locator("#ble-prefix").inputValue(), name);
    await page.getByRole("button", { name: "Connect" }).click();
    await waitConnected(page, 1);
    assert.deepEqual(peripheral.log.prompts, [[peripheral.address]], "PROV_other was not offered");
    await provisionWith(page, HOME.ssid, HOME.passphrase);
    await expectProvisioned(page, device);
    assertNoSecretIn(page, pop, HOME.passphrase);
  });
});
