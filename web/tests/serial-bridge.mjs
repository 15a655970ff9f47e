// A stand-in for Web Serial whose one port is a real `uniprov device` console.
//
// Chromium's serial chooser cannot be driven with a real port from a test (there is no
// emulation for it, and this machine has no serial device), so `navigator.serial` is replaced
// before the page loads (`page.addInitScript`) by an object with the same shape:
// `requestPort()` returns one port whose `open()`, `readable` (a ReadableStream of
// Uint8Array) and `writable` (a WritableStream) carry bytes to and from a `uniprov device`
// console process through Playwright bindings. Everything above the port (web/serial.js, the
// wasm client's console framing, the page) is the real code.
//
// Two devices: `echo: true` runs `uniprov device --transport console --serial <pty>` behind a
// pseudo-terminal (what a device on a real serial line runs: it echoes typed characters, like
// ESP-IDF's console); `echo: false` runs the console on the process's stdin/stdout (no echo).
//
// Not covered: a USB serial adapter, baud rates and line settings, the OS serial driver,
// Chromium's port chooser and permission, unplugging, ESP-IDF's UART burst boundaries (a
// pipe keeps no write boundaries; the recorded page writes show each request went out as one
// burst ending with CR).

import { spawn } from "node:child_process";
import { startDevice } from "./ble-and-serial-support.mjs";

/** Relays stdin/stdout to a new pseudo-terminal in raw mode; prints the slave's path first. */
const PTY_RELAY = `
import os, pty, select, sys, tty
master, slave = pty.openpty()
tty.setraw(slave)
sys.stderr.write(os.ttyname(slave) + "\\n"); sys.stderr.flush()
while True:
    ready, _, _ = select.select([master, 0], [], [])
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 65536)
        if not data:
            break
        os.write(master, data)
`;

/**
 * Starts a console device. Returns the device (see startDevice) plus `console`: `{ write(buf),
 * onData(cb), onEnd(cb) }` on the device's console bytes.
 * @param {{ echo: boolean, args: string[] }} options
 */
export async function startConsoleDevice({ echo, args }) {
  if (!echo) {
    const device = await startDevice(["--transport", "console", ...args], { stdin: "pipe", events: false });
    return {
      device,
      console: {
        write: (bytes) => device.child.stdin.write(bytes),
        onData: (cb) => device.child.stdout.on("data", cb),
        onEnd: (cb) => device.child.stdout.on("end", cb),
      },
    };
  }
  const relay = spawn("python3", ["-c", PTY_RELAY], { stdio: ["pipe", "pipe", "pipe"] });
  const tty = await new Promise((found, failed) => {
    let text = "";
    relay.stderr.on("data", (chunk) => {
      text += chunk;
      if (text.includes("\n")) found(text.split("\n")[0]);
    });
    relay.on("error", failed);
    relay.on("exit", (code) => failed(new Error(`the pty relay exited (${code}): ${text}`)));
  });
  let device;
  try {
    device = await startDevice(["--transport", "console", "--serial", tty, ...args]);
  } catch (error) {
    relay.kill();
    throw error;
  }
  const stop = device.stop;
  device.stop = async () => {
    await stop();
    relay.kill();
  };
  return {
    device,
    console: {
      write: (bytes) => relay.stdin.write(bytes),
      onData: (cb) => relay.stdout.on("data", cb),
      onEnd: (cb) => relay.stdout.on("end", cb),
    },
  };
}

/** Installed in the page before its scripts: `navigator.serial` with one bridged port. */
function fakeWebSerial() {
  const toBase64 = (bytes) => {
    let text = "";
    for (const byte of bytes) text += String.fromCharCode(byte);
    return btoa(text);
  };
  const fromBase64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

  class BridgedPort extends EventTarget {
    constructor() {
      super();
      this.readable = null;
      this.writable = null;
    }

    getInfo() {
      // Espressif's USB Serial/JTAG controller.
      return { usbVendorId: 0x303a, usbProductId: 0x1001 };
    }

    async open(options) {
      if (!options || typeof options.baudRate !== "number") throw new TypeError("baudRate is required");
      if (this.readable || this.writable) throw new DOMException("The port is already open.", "InvalidStateError");
      this.readable = new ReadableStream({
        start(controller) {
          window.__serialBridgeData = (b64) => controller.enqueue(fromBase64(b64));
          window.__serialBridgeEnd = () => controller.close();
        },
      });
      this.writable = new WritableStream({
        write: (chunk) => window.__serialBridgeWrite(toBase64(new Uint8Array(chunk))),
      });
      await window.__serialBridgeOpen(options.baudRate);
    }

    async close() {
      if (this.readable?.locked || this.writable?.locked) {
        throw new TypeError("Cannot close a port while its streams are locked.");
      }
      this.readable = null;
      this.writable = null;
      await window.__serialBridgeClose();
    }
  }

  const port = new BridgedPort();
  const serial = new EventTarget();
  serial.requestPort = async () => {
    window.__serialBridgeRequests = (window.__serialBridgeRequests ?? 0) + 1;
    return port;
  };
  serial.getPorts = async () => [];
  Object.defineProperty(Navigator.prototype, "serial", { configurable: true, get: () => serial });
}

/**
 * Bridges `page`'s (stand-in) serial port to `console`. Bytes the device prints before the
 * page opens the port are held and delivered at open, as a board that resets when the port
 * opens prints its boot output then. Returns the log: `{ baudRate, writes: Buffer[],
 * opened, closed }`.
 */
export async function bridgeSerial(page, console) {
  const log = { baudRate: null, writes: [], opened: 0, closed: 0 };
  const held = [];
  let open = false;
  let ended = false;
  let chain = Promise.resolve();
  const deliver = (script, arg) => {
    chain = chain.then(() => page.evaluate(script, arg)).catch(() => undefined);
  };
  const push = (chunk) => deliver((b64) => window.__serialBridgeData(b64), chunk.toString("base64"));

  console.onData((chunk) => (open ? push(chunk) : held.push(chunk)));
  console.onEnd(() => {
    ended = true;
    if (open) deliver(() => window.__serialBridgeEnd());
  });
  await page.exposeBinding("__serialBridgeOpen", (_source, baudRate) => {
    log.baudRate = baudRate;
    log.opened += 1;
    open = true;
    for (const chunk of held.splice(0)) push(chunk);
    if (ended) deliver(() => window.__serialBridgeEnd());
  });
  await page.exposeBinding("__serialBridgeWrite", (_source, b64) => {
    const bytes = Buffer.from(b64, "base64");
    log.writes.push(bytes);
    console.write(bytes);
  });
  await page.exposeBinding("__serialBridgeClose", () => {
    log.closed += 1;
    open = false;
  });
  await page.addInitScript(fakeWebSerial);
  return log;
}
