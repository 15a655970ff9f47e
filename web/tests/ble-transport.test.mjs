// web/ble.js alone (no wasm) in Debian's headless Chromium, against Chromium's Bluetooth
// emulation (ble-emulation.mjs) whose writes a real `uniprov device` answers over HTTP.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchChromium, serveStatic, startDevice, httpAddress } from "./ble-and-serial-support.mjs";
import { emulatePeripheral, endpointUuids, ESP_ENDPOINTS } from "./ble-emulation.mjs";

const TIMEOUT = { timeout: 60000 };
const EXAMPLE_SERVICE = "021a9004-0382-4aea-bff4-6b3f1c5adfb4";
const DEFAULT_SERVICE = "1775244d-6b43-439b-877c-060f2d9bed07";

let chromium;
let site;

before(async () => {
  chromium = await launchChromium();
  site = await serveStatic();
});

after(async () => {
  await chromium?.close();
  await site?.close();
});

/**
 * Runs `body({ page, peripheral, device })` with a security 1 device behind an emulated
 * peripheral (`peripheralOptions`) and a page on the static site that has imported ble.js.
 */
async function withPeripheral(peripheralOptions, body) {
  const device = await startDevice(["--transport", "http", "--listen", "127.0.0.1:0", "--sec-ver", "1", "--pop", "transport-test"]);
  const page = await chromium.newPage();
  let peripheral;
  try {
    const deviceUrl = await httpAddress(device);
    peripheral = await emulatePeripheral(chromium.browser, { deviceUrl, ...peripheralOptions });
    await page.goto(site.url);
    await page.evaluate(async () => {
      window.ble = await import("/ble.js");
    });
    await body({ page, peripheral, device });
    assert.deepEqual(peripheral.log.errors, [], "the emulation harness saw no errors");
  } catch (error) {
    error.message += `\n--- page console ---\n${page.consoleLines.join("\n")}\n--- device stderr ---\n${device.stderr()}`;
    throw error;
  } finally {
    await peripheral?.close();
    await page.context().close();
    await device.stop();
  }
}

/** Runs `openBle(options)` in the page (Playwright's evaluate counts as a user gesture). */
function open(page, options = {}) {
  return page.evaluate(async (o) => {
    try {
      window.transport = await window.ble.openBle(o);
      return { ok: true, kind: window.transport.kind, name: window.transport.name };
    } catch (error) {
      return { ok: false, error: { kind: error.kind, message: error.message, hint: error.hint } };
    }
  }, options);
}

function discover(page) {
  return page.evaluate(async () => {
    const found = await window.transport.discover();
    return {
      service: found.service,
      characteristics: found.characteristics.map((c) => ({
        uuid: c.uuid,
        description: c.description === null ? null : new TextDecoder().decode(c.description),
      })),
    };
  });
}

/** `exchange(uuid, body)` in the page: `{ ok, text | error }`. */
function exchange(page, uuid, text) {
  return page.evaluate(
    async ([u, t]) => {
      try {
        const answer = await window.transport.exchange(u, new TextEncoder().encode(t));
        return { ok: true, text: new TextDecoder().decode(answer) };
      } catch (error) {
        return { ok: false, error: { kind: error.kind, message: error.message } };
      }
    },
    [uuid, text],
  );
}

test("chooser, connect, discovery by the 0x2901 descriptors, proto-ver answered by a real device", TIMEOUT, async () => {
  const bystanders = [{ name: "Headphones", address: "11:22:33:44:55:66" }];
  await withPeripheral({ bystanders }, async ({ page, peripheral }) => {
    await peripheral.attach(page);
    const opened = await open(page);
    assert.equal(opened.ok, true, JSON.stringify(opened));
    assert.equal(opened.kind, "ble");
    assert.equal(opened.name, peripheral.name);
    assert.deepEqual(peripheral.log.prompts, [[peripheral.address]], "the chooser listed the PROV_ peripheral only, and was answered once");

    const found = await discover(page);
    assert.equal(found.service, EXAMPLE_SERVICE);
    const uuids = endpointUuids(EXAMPLE_SERVICE);
    assert.deepEqual(
      found.characteristics,
      ESP_ENDPOINTS.map((name) => ({ uuid: uuids[name], description: name })),
      "every characteristic with its endpoint name, in GATT order",
    );
    assert.equal(peripheral.log.descriptorReads, ESP_ENDPOINTS.length);

    const answer = await exchange(page, uuids["proto-ver"], "ESP");
    assert.equal(answer.ok, true, JSON.stringify(answer));
    const info = JSON.parse(answer.text);
    assert.equal(info.prov.sec_ver, 1, "the device's own proto-ver came back through the emulated GATT");
    assert.deepEqual(peripheral.log.writes, [{ endpoint: "proto-ver", length: 3, writeType: "write-with-response" }]);
    assert.equal(peripheral.log.reads.length, 1);
    assert.equal(peripheral.log.connections, 1);

    // A second discover() is the same answer, without GATT traffic.
    assert.deepEqual(await discover(page), found);
    assert.equal(peripheral.log.descriptorReads, ESP_ENDPOINTS.length);
  });
});

test("the default ESP-IDF service UUID is found without being named; a custom one when it is", TIMEOUT, async () => {
  await withPeripheral({ serviceUuid: DEFAULT_SERVICE }, async ({ page, peripheral }) => {
    await peripheral.attach(page);
    assert.equal((await open(page)).ok, true);
    assert.equal((await discover(page)).service, DEFAULT_SERVICE);
  });
  await withPeripheral({ serviceUuid: DEFAULT_SERVICE, name: "esp32-kitchen" }, async ({ page, peripheral }) => {
    await peripheral.attach(page);
    const opened = await open(page, { namePrefix: "esp32-", serviceUuid: DEFAULT_SERVICE.toUpperCase() });
    assert.equal(opened.ok, true, JSON.stringify(opened));
    assert.equal((await discover(page)).service, DEFAULT_SERVICE);
  });
});

test("a device without 0x2901 descriptors: every description is null", TIMEOUT, async () => {
  await withPeripheral({ descriptors: false }, async ({ page, peripheral }) => {
    await peripheral.attach(page);
    assert.equal((await open(page)).ok, true);
    const found = await discover(page);
    assert.equal(found.characteristics.length, ESP_ENDPOINTS.length);
    assert.ok(found.characteristics.every((c) => c.description === null));
    const uuids = endpointUuids(EXAMPLE_SERVICE);
    const answer = await exchange(page, uuids["proto-ver"], "ESP");
    assert.equal(JSON.parse(answer.text).prov.sec_ver, 1);
  });
});

test("errors: cancelled chooser is unreachable, an unknown characteristic no_endpoint, a refused write closed, a dropped link closed", TIMEOUT, async () => {
  await withPeripheral({}, async ({ page, peripheral }) => {
    await peripheral.attach(page, { cancel: true });
    const cancelled = await open(page);
    assert.equal(cancelled.ok, false);
    assert.equal(cancelled.error.kind, "unreachable");
    assert.match(cancelled.error.message, /no Bluetooth device chosen/);
    assert.match(cancelled.error.hint, /PROV_/);
  });
  await withPeripheral({}, async ({ page, peripheral }) => {
    await peripheral.attach(page);
    assert.equal((await open(page)).ok, true);
    await discover(page);
    const uuids = endpointUuids(EXAMPLE_SERVICE);

    const unknown = await exchange(page, "021aff99-0382-4aea-bff4-6b3f1c5adfb4", "x");
    assert.equal(unknown.error.kind, "no_endpoint");

    // Not a SessionData protobuf: the device closes the HTTP connection, the peripheral
    // answers the write with an ATT error, as NimBLE does.
    const refused = await exchange(page, uuids["prov-session"], "\u00ff\u00ff garbage");
    assert.equal(refused.ok, false);
    assert.equal(refused.error.kind, "closed", JSON.stringify(refused));
    assert.equal(peripheral.log.refused, 1);

    // The link still works after a refusal.
    assert.equal((await exchange(page, uuids["proto-ver"], "ESP")).ok, true);

    await peripheral.disconnect();
    await page.waitForFunction(() => !window.transport._device.gatt.connected);
    const dropped = await exchange(page, uuids["proto-ver"], "ESP");
    assert.equal(dropped.ok, false);
    assert.equal(dropped.error.kind, "closed", JSON.stringify(dropped));
  });
});

test("close() disconnects; later calls are closed", TIMEOUT, async () => {
  await withPeripheral({}, async ({ page, peripheral }) => {
    await peripheral.attach(page);
    assert.equal((await open(page)).ok, true);
    await discover(page);
    const connected = await page.evaluate(async () => {
      await window.transport.close();
      return window.transport._device.gatt.connected;
    });
    assert.equal(connected, false);
    const after = await exchange(page, endpointUuids(EXAMPLE_SERVICE)["proto-ver"], "ESP");
    assert.equal(after.error.kind, "closed");
  });
});
