// An emulated BLE provisioning peripheral in Chromium (the CDP `BluetoothEmulation` domain)
// whose every GATT write is answered by a real `uniprov device` over HTTP.
//
// Chromium's fake central shows the page a peripheral with the GATT table of an ESP device
// (docs/protocol.md §9.2): one primary service; per endpoint a Read|Write characteristic whose
// UUID is derived from the service UUID (testdata/vectors/ble_uuids.json) and, unless told
// otherwise, a 0x2901 descriptor holding the endpoint name. Each write the page makes is POSTed
// to the device's `/<endpoint>` with the session cookie of the current GATT connection (a BLE
// session is a connection); the device's answer becomes the characteristic's value for the
// next read. A request the device refuses (connection closed, HTTP 429) is an ATT error on the
// write, as NimBLE answers (§3.3).
//
// What this does not exercise: a radio, BlueZ or any OS Bluetooth stack, advertising and
// scanning, ATT MTU negotiation and the Prepare Write / Read Blob fragmentation of long values
// (the emulation hands whole values across), pairing and encryption, and real timing.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./ble-and-serial-support.mjs";

/** The 0x2901 Characteristic User Description descriptor. */
const USER_DESCRIPTION = "00002901-0000-1000-8000-00805f9b34fb";

/** ATT error 0x04 (Invalid PDU): NimBLE's answer to a refused write (§3.3). */
const ATT_INVALID_PDU = 0x04;

const GATT_SUCCESS = 0;

/**
 * `{ endpointName: characteristicUuid }` for `serviceUuid`, from the repository's vectors
 * (ESP's derivation: characters 5-8 of the service UUID replaced by the endpoint's id).
 */
export function endpointUuids(serviceUuid) {
  const vectors = JSON.parse(readFileSync(join(repoRoot, "testdata", "vectors", "ble_uuids.json"), "utf8"));
  const service = vectors.services.find((s) => s.service_uuid === serviceUuid);
  if (!service) throw new Error(`no vectors for service ${serviceUuid}`);
  const map = {};
  for (const c of service.characteristics) if (c.endpoint_name) map[c.endpoint_name] = c.uuid;
  return map;
}

/** The endpoints of a provisioning device, in ESP's registration (and handle) order. */
export const ESP_ENDPOINTS = ["prov-ctrl", "prov-scan", "prov-session", "prov-config", "proto-ver", "custom-data"];

/**
 * Sets up the emulated peripheral for the pages of `browser` and answers its GATT operations
 * from the device at `deviceUrl`. Call `attach(page)` for each page that may open the device
 * chooser (it picks this peripheral).
 *
 * @param {import("playwright-core").Browser} browser
 * @param {{ deviceUrl: string, name?: string, address?: string, serviceUuid?: string,
 *           endpoints?: string[], descriptors?: boolean,
 *           bystanders?: Array<{ name: string, address: string }> }} options
 *   `bystanders`: other peripherals nearby (no GATT table), which the chooser must not list.
 */
export async function emulatePeripheral(browser, options) {
  const name = options.name ?? "PROV_5E0A1C";
  // Upper-case hex: Chromium's fake central lists a lower-case address in no chooser.
  const address = (options.address ?? "0A:0B:0C:0D:0E:0F").toUpperCase();
  const serviceUuid = options.serviceUuid ?? "021a9004-0382-4aea-bff4-6b3f1c5adfb4";
  const endpoints = options.endpoints ?? ESP_ENDPOINTS;
  const withDescriptors = options.descriptors ?? true;
  const uuids = endpointUuids(serviceUuid);

  const cdp = await browser.newBrowserCDPSession();
  /** What the page did, for the tests' assertions. */
  const log = { connections: 0, writes: [], reads: [], descriptorReads: 0, refused: 0, errors: [] };
  const byCharacteristic = new Map(); // characteristicId → endpoint name
  const byDescriptor = new Map(); // descriptorId → endpoint name
  const values = new Map(); // characteristicId → the device's last response
  let cookie = null;
  let pending = Promise.resolve();

  /** Handles CDP events one at a time, in arrival order (a write before the read after it). */
  function inOrder(handler) {
    return (event) => {
      pending = pending.then(() => handler(event)).catch((error) => log.errors.push(String(error?.stack ?? error)));
    };
  }

  async function post(endpoint, body) {
    const headers = { "content-type": "application/x-www-form-urlencoded" };
    if (cookie) headers.cookie = cookie;
    const response = await fetch(new URL(endpoint, options.deviceUrl), { method: "POST", body, headers });
    const setCookie = response.headers.get("set-cookie");
    if (setCookie) cookie = setCookie.split(";")[0];
    const bytes = Buffer.from(await response.arrayBuffer());
    if (response.status !== 200) throw new Error(`device answered HTTP ${response.status}`);
    return bytes;
  }

  cdp.on(
    "BluetoothEmulation.gattOperationReceived",
    inOrder(async (event) => {
      if (event.type === "connection") {
        // A new connection is a new session, with nothing stored (§9.2).
        log.connections += 1;
        cookie = null;
        values.clear();
      }
      await cdp.send("BluetoothEmulation.simulateGATTOperationResponse", { address: event.address, type: event.type, code: GATT_SUCCESS });
    }),
  );

  cdp.on(
    "BluetoothEmulation.characteristicOperationReceived",
    inOrder(async (event) => {
      const endpoint = byCharacteristic.get(event.characteristicId);
      const respond = (code, data) =>
        cdp.send("BluetoothEmulation.simulateCharacteristicOperationResponse", {
          characteristicId: event.characteristicId,
          type: event.type,
          code,
          ...(data ? { data: data.toString("base64") } : {}),
        });
      if (event.type === "write") {
        const body = Buffer.from(event.data ?? "", "base64");
        log.writes.push({ endpoint, length: body.length, writeType: event.writeType });
        try {
          values.set(event.characteristicId, await post(endpoint, body));
          await respond(GATT_SUCCESS);
        } catch (_) {
          // The device closed the connection (or answered 429): a refused request.
          log.refused += 1;
          await respond(ATT_INVALID_PDU);
        }
      } else if (event.type === "read") {
        const value = values.get(event.characteristicId) ?? Buffer.alloc(0);
        log.reads.push({ endpoint, length: value.length });
        await respond(GATT_SUCCESS, value);
      } else {
        await respond(GATT_SUCCESS);
      }
    }),
  );

  cdp.on(
    "BluetoothEmulation.descriptorOperationReceived",
    inOrder(async (event) => {
      log.descriptorReads += 1;
      const endpoint = byDescriptor.get(event.descriptorId) ?? "";
      await cdp.send("BluetoothEmulation.simulateDescriptorOperationResponse", {
        descriptorId: event.descriptorId,
        type: event.type,
        code: GATT_SUCCESS,
        ...(event.type === "read" ? { data: Buffer.from(endpoint, "ascii").toString("base64") } : {}),
      });
    }),
  );

  await cdp.send("BluetoothEmulation.enable", { state: "powered-on", leSupported: true });
  try {
    await cdp.send("BluetoothEmulation.simulatePreconnectedPeripheral", {
      address,
      name,
      manufacturerData: [],
      knownServiceUuids: [serviceUuid],
    });
    for (const other of options.bystanders ?? []) {
      await cdp.send("BluetoothEmulation.simulatePreconnectedPeripheral", {
        address: other.address.toUpperCase(),
        name: other.name,
        manufacturerData: [],
        knownServiceUuids: [],
      });
    }
    const { serviceId } = await cdp.send("BluetoothEmulation.addService", { address, serviceUuid });
    for (const endpoint of endpoints) {
      const characteristicUuid = uuids[endpoint];
      if (!characteristicUuid) throw new Error(`no UUID for endpoint ${endpoint}`);
      const { characteristicId } = await cdp.send("BluetoothEmulation.addCharacteristic", {
        serviceId,
        characteristicUuid,
        properties: { read: true, write: true },
      });
      byCharacteristic.set(characteristicId, endpoint);
      if (withDescriptors) {
        const { descriptorId } = await cdp.send("BluetoothEmulation.addDescriptor", { characteristicId, descriptorUuid: USER_DESCRIPTION });
        byDescriptor.set(descriptorId, endpoint);
      }
    }
  } catch (error) {
    await cdp.send("BluetoothEmulation.disable").catch(() => {});
    throw error;
  }

  const pageSessions = [];
  return {
    name,
    address,
    serviceUuid,
    log,
    /**
     * Answers the device chooser of `page`: picks this peripheral (or cancels, with
     * `{ cancel: true }`). Records what the chooser listed in `log.prompts`.
     */
    async attach(page, { cancel = false } = {}) {
      const session = await page.context().newCDPSession(page);
      pageSessions.push(session);
      const answered = new Set();
      log.prompts = log.prompts ?? [];
      session.on("DeviceAccess.deviceRequestPrompted", async (event) => {
        // The prompt is sent again whenever its list changes: answer it once.
        if (answered.has(event.id)) return;
        const ours = event.devices.find((d) => d.id.toLowerCase() === address.toLowerCase());
        if (!ours && !cancel) return;
        answered.add(event.id);
        log.prompts.push(event.devices.map((d) => d.id));
        try {
          if (cancel) await session.send("DeviceAccess.cancelPrompt", { id: event.id });
          else await session.send("DeviceAccess.selectPrompt", { id: event.id, deviceId: ours.id });
        } catch (error) {
          log.errors.push(String(error));
        }
      });
      await session.send("DeviceAccess.enable");
    },
    /** Drops the link from the peripheral's side. */
    async disconnect() {
      await cdp.send("BluetoothEmulation.simulateGATTDisconnection", { address });
    },
    async close() {
      await pending;
      for (const session of pageSessions) await session.detach().catch(() => {});
      await cdp.send("BluetoothEmulation.disable").catch(() => {});
      await cdp.detach().catch(() => {});
    },
  };
}
