// The BLE transport object of docs/web-api.md, over Web Bluetooth (docs/protocol.md §9.2).
//
// This module only carries bytes. It finds the provisioning service, lists its
// characteristics with the value of their 0x2901 (Characteristic User Description)
// descriptors, and for each request writes the characteristic (write with response) and reads
// it back. Which characteristic serves which endpoint is decided by the Rust side (crates/web,
// the CLI's mapping in crates/uniprov/src/client/ble/mapping.rs).
//
// Web Bluetooth runs one GATT operation at a time per device and rejects a second one while
// the first is pending, so every operation goes through one queue. Long values need nothing
// here: the browser does Prepare/Execute Write and Read Blob by itself (up to 512 bytes per
// value, the attribute limit; a security 2 message is about 420 bytes).

/** The service UUID the ESP-IDF examples set, and esp_prov's fallback (§9.2). */
export const EXAMPLE_SERVICE_UUID = "021a9004-0382-4aea-bff4-6b3f1c5adfb4";

/** The ESP-IDF BLE scheme's default service UUID (§9.2). */
export const DEFAULT_SERVICE_UUID = "1775244d-6b43-439b-877c-060f2d9bed07";

/** The name prefix the ESP apps look for. */
export const DEFAULT_NAME_PREFIX = "PROV_";

/** The Characteristic User Description descriptor that names an endpoint. */
const USER_DESCRIPTION = 0x2901;

/** ATT's transaction timeout: a device that has not answered by then never will. */
const OPERATION_TIMEOUT_MS = 30000;

/** How long connecting may take (the iOS app's limit). */
const CONNECT_TIMEOUT_MS = 20000;

/** The largest value Web Bluetooth writes (the attribute value limit). */
export const MAX_VALUE_LEN = 512;

const UUID128 = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID16 = /^(0x)?[0-9a-f]{4}$/;

/**
 * A service UUID as Web Bluetooth wants it (lowercase, 128-bit), from what a person types: a
 * 128-bit UUID, or a 16-bit one (`ffff`, `0xffff`). Throws `{ kind: "protocol" }` otherwise.
 * @param {string} text
 */
export function normalizeServiceUuid(text) {
  const value = String(text).trim().toLowerCase();
  if (UUID128.test(value)) return value;
  if (UUID16.test(value)) {
    const short = value.replace(/^0x/, "");
    return `0000${short}-0000-1000-8000-00805f9b34fb`;
  }
  throw { kind: "protocol", message: `"${text}" is not a Bluetooth service UUID` };
}

/** The service UUIDs to ask for, best first: the given one, else ESP's two. */
export function serviceCandidates(serviceUuid) {
  if (serviceUuid != null && String(serviceUuid).trim() !== "") {
    return [normalizeServiceUuid(serviceUuid)];
  }
  return [EXAMPLE_SERVICE_UUID, DEFAULT_SERVICE_UUID];
}

/** The bytes of a DataView, copied. */
function bytesOf(view) {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

/** A descriptor value as an endpoint name (ASCII, trailing NULs dropped), for picking a service. */
function endpointName(bytes) {
  if (bytes == null) return null;
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end -= 1;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, end)).trim().toLowerCase();
  } catch (_) {
    return null;
  }
}

/** Rejects with `{ kind: "timeout" }` when `promise` has not settled within `ms`. */
function withTimeout(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject({ kind: "timeout", message: `${what}: no answer within ${ms / 1000} s` }), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** The text of a thrown value, for messages. */
function describe(error) {
  if (error == null) return "unknown error";
  if (typeof error === "object" && "message" in error && error.message) {
    return error.name ? `${error.name}: ${error.message}` : String(error.message);
  }
  return String(error);
}

/** Whether `error` is one of ours (`{ kind, … }`) rather than a DOMException. */
function isTransportError(error) {
  return error != null && typeof error === "object" && typeof error.kind === "string" && !(error instanceof Error);
}

/**
 * Asks the person to choose a device (must run in a user gesture, from a secure context) and
 * connects to it. Returns the BLE transport object of docs/web-api.md.
 *
 * @param {{ namePrefix?: string, serviceUuid?: string, timeoutMs?: number,
 *           connectTimeoutMs?: number, bluetooth?: Bluetooth }} [options]
 *   `namePrefix`: the chooser lists devices whose name starts with it (default `PROV_`);
 *   `serviceUuid`: the provisioning service (default: ESP's two UUIDs); `timeoutMs`: the limit
 *   of one GATT operation; `bluetooth`: a `navigator.bluetooth` stand-in.
 */
export async function openBle(options = {}) {
  const bluetooth = options.bluetooth ?? globalThis.navigator?.bluetooth;
  if (!bluetooth || typeof bluetooth.requestDevice !== "function") {
    throw {
      kind: "unreachable",
      message: "this browser has no Web Bluetooth",
      hint:
        "Use Chrome, Edge or Chromium (desktop or Android) with the page opened from https:// or localhost; " +
        "on Linux, enable chrome://flags/#enable-experimental-web-platform-features first.",
    };
  }
  const namePrefix = options.namePrefix && options.namePrefix.trim() !== "" ? options.namePrefix.trim() : DEFAULT_NAME_PREFIX;
  const candidates = serviceCandidates(options.serviceUuid);
  const timeoutMs = options.timeoutMs ?? OPERATION_TIMEOUT_MS;

  let device;
  try {
    device = await bluetooth.requestDevice({ filters: [{ namePrefix }], optionalServices: candidates });
  } catch (error) {
    // NotFoundError: the chooser was cancelled or no device matched; SecurityError: no user
    // gesture or not a secure context; NotAllowedError: blocked by policy.
    throw {
      kind: "unreachable",
      message: `no Bluetooth device chosen (${describe(error)})`,
      hint: `Power the device on, keep it near, and choose it in the list (its name starts with "${namePrefix}").`,
    };
  }
  if (!device.gatt) {
    throw { kind: "unreachable", message: `${device.name ?? "the device"} has no GATT server` };
  }
  let server;
  try {
    server = await withTimeout(device.gatt.connect(), options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS, "connect");
  } catch (error) {
    device.gatt.disconnect();
    if (isTransportError(error)) throw error;
    throw {
      kind: "unreachable",
      message: `cannot connect to ${device.name ?? "the device"} (${describe(error)})`,
      hint: "Move closer to the device; if it is still advertising, try again.",
    };
  }
  return new BleTransport(device, server, candidates, timeoutMs);
}

/** The BLE transport object (docs/web-api.md): one connected device. */
class BleTransport {
  constructor(device, server, candidates, timeoutMs) {
    this.kind = "ble";
    /** The chosen device's name, for the page to show. */
    this.name = device.name ?? "";
    this._device = device;
    this._server = server;
    this._candidates = candidates;
    this._timeoutMs = timeoutMs;
    this._closed = false;
    this._discovered = null;
    this._characteristics = new Map();
    this._queue = Promise.resolve();
    this._onDisconnect = () => {
      this._closed = true;
    };
    device.addEventListener("gattserverdisconnected", this._onDisconnect);
  }

  /** Runs `operation` after every earlier one has settled. */
  _serialize(operation) {
    const run = this._queue.then(operation, operation);
    this._queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** What a failed GATT operation means: the link is gone, or `otherwise`. */
  _failure(error, otherwise) {
    if (isTransportError(error)) {
      if (error.kind === "timeout") {
        // The operation is still pending in the browser and would block every later one.
        this._disconnect();
      }
      return error;
    }
    if (this._closed || !this._server.connected) {
      return { kind: "closed", message: `the device disconnected (${describe(error)})` };
    }
    return otherwise(error);
  }

  _disconnect() {
    this._closed = true;
    try {
      this._device.gatt.disconnect();
    } catch (_) {
      // Already gone.
    }
  }

  _ensureOpen() {
    if (this._closed || !this._server.connected) {
      throw { kind: "closed", message: "the device disconnected" };
    }
  }

  /**
   * The provisioning service and its characteristics with their 0x2901 descriptor values
   * (`null` when a characteristic has none or it could not be read).
   * @returns {Promise<{ service: string, characteristics: Array<{ uuid: string, description: Uint8Array | null }> }>}
   */
  discover() {
    return this._serialize(async () => {
      if (!this._discovered) {
        this._ensureOpen();
        const chosen = this._select(await this._discoverServices());
        this._characteristics = new Map(chosen.characteristics.map((c) => [c.uuid, c.handle]));
        this._discovered = chosen;
      }
      return {
        service: this._discovered.service,
        characteristics: this._discovered.characteristics.map((c) => ({
          uuid: c.uuid,
          description: c.description && c.description.slice(),
        })),
      };
    });
  }

  async _discoverServices() {
    let services;
    try {
      services = await withTimeout(this._server.getPrimaryServices(), this._timeoutMs, "service discovery");
    } catch (error) {
      throw this._failure(error, () => ({
        kind: "protocol",
        message: `the device has none of the provisioning services ${this._candidates.join(", ")} (give its service UUID)`,
      }));
    }
    const found = [];
    for (const service of services) {
      found.push(await this._describeService(service));
    }
    return found;
  }

  async _describeService(service) {
    let characteristics;
    try {
      characteristics = await withTimeout(service.getCharacteristics(), this._timeoutMs, "characteristic discovery");
    } catch (error) {
      // A service without characteristics is not the provisioning service.
      const failure = this._failure(error, () => null);
      if (failure) throw failure;
      characteristics = [];
    }
    const described = [];
    for (const characteristic of characteristics) {
      described.push({
        uuid: characteristic.uuid.toLowerCase(),
        description: await this._readDescription(characteristic),
        handle: characteristic,
      });
    }
    return { service: service.uuid.toLowerCase(), characteristics: described };
  }

  async _readDescription(characteristic) {
    try {
      const descriptor = await withTimeout(characteristic.getDescriptor(USER_DESCRIPTION), this._timeoutMs, "descriptor discovery");
      return bytesOf(await withTimeout(descriptor.readValue(), this._timeoutMs, "descriptor read"));
    } catch (error) {
      // NotFoundError: no descriptor (the mapping then derives UUIDs); an unreadable one
      // counts as absent too, unless the link went down.
      const failure = this._failure(error, () => null);
      if (failure) throw failure;
      return null;
    }
  }

  /**
   * Picks the provisioning service like the CLI (mapping.rs `select_service`): the first
   * candidate with a `prov-session` characteristic, else any service with one, else the first
   * candidate found, else the first service.
   */
  _select(found) {
    const hasSession = (s) => s.characteristics.some((c) => endpointName(c.description) === "prov-session");
    const byCandidate = this._candidates.map((u) => found.find((s) => s.service === u)).filter(Boolean);
    const chosen =
      byCandidate.find(hasSession) ?? found.find(hasSession) ?? byCandidate[0] ?? found[0];
    if (!chosen) {
      throw { kind: "protocol", message: `the device has none of the services ${this._candidates.join(", ")}` };
    }
    return chosen;
  }

  /**
   * Writes `body` to characteristic `uuid` (with response) and reads its value back.
   * @param {string} uuid
   * @param {Uint8Array} body
   * @returns {Promise<Uint8Array>}
   */
  exchange(uuid, body) {
    return this._serialize(async () => {
      this._ensureOpen();
      if (!this._discovered) {
        throw { kind: "protocol", message: "discover() must come before exchange()" };
      }
      const characteristic = this._characteristics.get(String(uuid).toLowerCase());
      if (!characteristic) throw { kind: "no_endpoint", endpoint: String(uuid), message: `the device has no characteristic ${uuid}` };
      if (body.length > MAX_VALUE_LEN) {
        throw { kind: "protocol", message: `a ${body.length}-byte request is longer than a GATT value (${MAX_VALUE_LEN} bytes)` };
      }
      try {
        await withTimeout(characteristic.writeValueWithResponse(body), this._timeoutMs, "write");
      } catch (error) {
        // The device refuses a request with an ATT error on the write (NimBLE) or by
        // disconnecting (Bluedroid), §3.3: after a handshake message, a wrong PoP/password.
        throw this._failure(error, (e) => ({ kind: "closed", message: `the device refused the request (${describe(e)})` }));
      }
      try {
        const value = await withTimeout(characteristic.readValue(), this._timeoutMs, "read");
        return bytesOf(value);
      } catch (error) {
        throw this._failure(error, (e) => ({ kind: "protocol", message: `reading the response failed (${describe(e)})` }));
      }
    });
  }

  /** Disconnects (best effort; pending operations fail with `{ kind: "closed" }`). */
  async close() {
    this._device.removeEventListener("gattserverdisconnected", this._onDisconnect);
    this._disconnect();
  }
}
