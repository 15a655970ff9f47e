// web/ble.js in Node against a scripted `navigator.bluetooth` (no browser): what Chromium's
// emulation cannot show. Real Web Bluetooth rejects a GATT operation while another one on the
// device is pending (Chromium: "GATT operation already in progress"); the emulated central
// queues them instead, so the transport's own queue is proven here, together with timeouts,
// the service choice among several and the UUID input rules.

import { test } from "node:test";
import assert from "node:assert/strict";
import { openBle, normalizeServiceUuid, serviceCandidates, EXAMPLE_SERVICE_UUID, DEFAULT_SERVICE_UUID } from "../ble.js";

const text = (s) => new TextEncoder().encode(s);
const view = (bytes) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * A scripted Web Bluetooth: `services` = `{ uuid: { charUuid: { name?, respond(body) } } }`.
 * Overlapping GATT operations on the device reject like real hardware does.
 */
function scriptedBluetooth(services, { readDelayMs = 5, hang = false } = {}) {
  const log = { requests: [], overlaps: 0, disconnects: 0 };
  let busy = false;
  const listeners = new Set();
  const gattOperation = async (work, ms = readDelayMs) => {
    if (busy) {
      log.overlaps += 1;
      throw new DOMException("GATT operation already in progress.", "NetworkError");
    }
    busy = true;
    try {
      if (hang) await new Promise(() => {});
      await new Promise((r) => setTimeout(r, ms));
      return await work();
    } finally {
      busy = false;
    }
  };
  const server = {
    connected: true,
    async getPrimaryServices() {
      return gattOperation(() =>
        Object.entries(services).map(([uuid, chars]) => ({
          uuid,
          getCharacteristics: () =>
            gattOperation(() =>
              Object.entries(chars).map(([charUuid, spec]) => {
                let value = new Uint8Array(0);
                return {
                  uuid: charUuid,
                  getDescriptor: (id) =>
                    gattOperation(() => {
                      if (id !== 0x2901 || spec.name == null) throw new DOMException("No descriptor", "NotFoundError");
                      return { readValue: () => gattOperation(() => view(text(spec.name))) };
                    }),
                  writeValueWithResponse: (body) =>
                    gattOperation(() => {
                      log.requests.push(new TextDecoder().decode(body));
                      value = spec.respond(body);
                    }),
                  readValue: () => gattOperation(() => view(value)),
                };
              }),
            ),
        })),
      );
    },
  };
  const device = {
    name: "PROV_unit",
    addEventListener: (type, fn) => listeners.add(fn),
    removeEventListener: (type, fn) => listeners.delete(fn),
    gatt: {
      connect: async () => server,
      disconnect() {
        log.disconnects += 1;
        server.connected = false;
        for (const fn of listeners) fn();
      },
    },
  };
  return {
    log,
    bluetooth: {
      requestDevice: async (options) => {
        log.options = options;
        return device;
      },
    },
  };
}

const echoUpper = (body) => text(new TextDecoder().decode(body).toUpperCase());

test("concurrent exchanges are queued: no GATT operation overlaps another, each read answers its own write", async () => {
  const { bluetooth, log } = scriptedBluetooth({ [EXAMPLE_SERVICE_UUID]: { "021aff53-0382-4aea-bff4-6b3f1c5adfb4": { name: "proto-ver", respond: echoUpper } } });
  const transport = await openBle({ bluetooth });
  const [{ characteristics }] = await Promise.all([transport.discover(), transport.discover()]);
  const uuid = characteristics[0].uuid;
  const answers = await Promise.all(["a", "b", "c", "d"].map((s) => transport.exchange(uuid, text(s))));
  assert.deepEqual(answers.map((a) => new TextDecoder().decode(a)), ["A", "B", "C", "D"]);
  assert.equal(log.overlaps, 0);
  assert.deepEqual(log.requests, ["a", "b", "c", "d"]);
});

test("requestDevice asks for the name prefix and ESP's two services, or the one given", async () => {
  const first = scriptedBluetooth({});
  await openBle({ bluetooth: first.bluetooth });
  assert.deepEqual(first.log.options, { filters: [{ namePrefix: "PROV_" }], optionalServices: [EXAMPLE_SERVICE_UUID, DEFAULT_SERVICE_UUID] });
  const second = scriptedBluetooth({});
  await openBle({ bluetooth: second.bluetooth, namePrefix: " esp32- ", serviceUuid: "0xFFFF" });
  assert.deepEqual(second.log.options, { filters: [{ namePrefix: "esp32-" }], optionalServices: ["0000ffff-0000-1000-8000-00805f9b34fb"] });
});

test("the service with a prov-session descriptor wins, whatever the order", async () => {
  const other = "0000180a-0000-1000-8000-00805f9b34fb";
  const { bluetooth } = scriptedBluetooth({
    [DEFAULT_SERVICE_UUID]: { "1775ff00-6b43-439b-877c-060f2d9bed07": { name: "something", respond: echoUpper } },
    [other]: { "00002a29-0000-1000-8000-00805f9b34fb": { respond: echoUpper } },
    [EXAMPLE_SERVICE_UUID]: { "021aff51-0382-4aea-bff4-6b3f1c5adfb4": { name: "prov-session\0", respond: echoUpper } },
  });
  const transport = await openBle({ bluetooth });
  const found = await transport.discover();
  assert.equal(found.service, EXAMPLE_SERVICE_UUID);
  assert.deepEqual(found.characteristics.map((c) => new TextDecoder().decode(c.description)), ["prov-session\0"], "the raw descriptor value, NULs kept");
});

test("a GATT operation that never answers: timeout, and the link is dropped", async () => {
  const { bluetooth, log } = scriptedBluetooth({ [EXAMPLE_SERVICE_UUID]: {} }, { hang: true });
  const transport = await openBle({ bluetooth, timeoutMs: 50 });
  await assert.rejects(transport.discover(), (error) => error.kind === "timeout");
  assert.equal(log.disconnects, 1);
  await assert.rejects(transport.exchange("021aff53-0382-4aea-bff4-6b3f1c5adfb4", text("x")), (error) => error.kind === "closed");
});

test("a request longer than a GATT value is refused before anything is written", async () => {
  const uuid = "021aff51-0382-4aea-bff4-6b3f1c5adfb4";
  const { bluetooth, log } = scriptedBluetooth({ [EXAMPLE_SERVICE_UUID]: { [uuid]: { name: "prov-session", respond: echoUpper } } });
  const transport = await openBle({ bluetooth });
  await transport.discover();
  await assert.rejects(transport.exchange(uuid, new Uint8Array(513)), (error) => error.kind === "protocol" && /512/.test(error.message));
  assert.equal((await transport.exchange(uuid, new Uint8Array(512))).length, 512);
  assert.equal(log.requests.length, 1);
});

test("no Web Bluetooth, and the service UUID input rules", async () => {
  await assert.rejects(openBle({ bluetooth: null }), (error) => error.kind === "unreachable" && /experimental-web-platform-features/.test(error.hint));
  assert.equal(normalizeServiceUuid(" 021A9004-0382-4AEA-BFF4-6B3F1C5ADFB4 "), EXAMPLE_SERVICE_UUID);
  assert.equal(normalizeServiceUuid("fe59"), "0000fe59-0000-1000-8000-00805f9b34fb");
  assert.throws(() => normalizeServiceUuid("not-a-uuid"), (error) => error.kind === "protocol");
  assert.throws(() => normalizeServiceUuid("021a9004-0382-4aea-bff4-6b3f1c5adfb"), (error) => error.kind === "protocol");
  assert.deepEqual(serviceCandidates("  "), [EXAMPLE_SERVICE_UUID, DEFAULT_SERVICE_UUID]);
});
