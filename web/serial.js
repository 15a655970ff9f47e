// The console transport object of docs/web-api.md, over Web Serial (docs/protocol.md §9.3).
//
// This module only carries bytes: `write` sends one burst, `readUntilPrompt` returns the
// device's output up to its next prompt `\n>> `, `drain` drops output until the line is quiet.
// The request lines (`<endpoint> <session> <hex>` and a lone CR), the echo handling, the line
// limit and the response parsing are the CLI's Rust code (crates/web, built on
// crates/uniprov/src/client/transport/console.rs).

/** The device's prompt, which ends each response. */
const PROMPT = new Uint8Array([0x0a, 0x3e, 0x3e, 0x20]); // "\n>> "

/** ESP-IDF's console line buffer: 255 bytes, CR included. */
export const ESP_CONSOLE_MAX_LINE = 255;

/** A `uniprov device` console's line limit, CR included. */
export const UNIPROV_CONSOLE_MAX_LINE = 16385;

/** How long to wait for a prompt before failing with `{ kind: "timeout" }`. */
const RESPONSE_TIMEOUT_MS = 30000;

/** The most output kept while waiting for one prompt (the CLI's `max_output`). */
const MAX_OUTPUT = 1 << 20;

/** Web Serial's read errors after which the port gives a new stream (the others are fatal). */
const RECOVERABLE_READ_ERRORS = new Set(["BufferOverrunError", "BreakError", "FramingError", "ParityError"]);

/** Where `needle` starts in `haystack` at or after `from`, or -1. */
function indexOf(haystack, needle, from) {
  const last = haystack.length - needle.length;
  outer: for (let i = Math.max(0, from); i <= last; i += 1) {
    for (let j = 0; j < needle.length; j += 1) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/** The text of a thrown value, for messages. */
function describe(error) {
  if (error != null && typeof error === "object" && error.message) {
    return error.name ? `${error.name}: ${error.message}` : String(error.message);
  }
  return String(error);
}

/**
 * The device's output as it arrives, with waiting for a prompt or for quiet. One reader loop
 * fills it; `end()` marks the port as gone.
 */
export class OutputBuffer {
  constructor(maxOutput = MAX_OUTPUT) {
    this._bytes = new Uint8Array(0);
    this._searched = 0;
    this._ended = false;
    this._endReason = null;
    this._maxOutput = maxOutput;
    this._wake = null;
    this._arrivals = 0;
  }

  /** Appends bytes read from the port. */
  push(chunk) {
    if (chunk.length === 0) return;
    const grown = new Uint8Array(this._bytes.length + chunk.length);
    grown.set(this._bytes, 0);
    grown.set(chunk, this._bytes.length);
    this._bytes = grown;
    this._arrivals += 1;
    this._notify();
  }

  /** The port ended (closed, unplugged, read error). */
  end(reason) {
    this._ended = true;
    this._endReason = reason ?? null;
    this._notify();
  }

  _notify() {
    const wake = this._wake;
    this._wake = null;
    if (wake) wake();
  }

  /** Resolves at the next push or end, or after `ms` (then `false`). */
  _changed(ms) {
    return new Promise((resolve) => {
      const timer = ms == null ? null : setTimeout(() => {
        this._wake = null;
        resolve(false);
      }, ms);
      this._wake = () => {
        if (timer != null) clearTimeout(timer);
        resolve(true);
      };
    });
  }

  _closedError() {
    const why = this._endReason ? ` (${this._endReason})` : "";
    return { kind: "closed", message: `the serial port ended${why}` };
  }

  /** The output before the next prompt; the prompt is consumed. */
  async untilPrompt(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = indexOf(this._bytes, PROMPT, this._searched);
      if (at >= 0) {
        const output = this._bytes.slice(0, at);
        this._bytes = this._bytes.slice(at + PROMPT.length);
        this._searched = 0;
        return output;
      }
      this._searched = Math.max(0, this._bytes.length - (PROMPT.length - 1));
      if (this._bytes.length > this._maxOutput) {
        throw { kind: "protocol", message: "no prompt in the device's output" };
      }
      if (this._ended) throw this._closedError();
      const left = deadline - Date.now();
      if (left <= 0 || !(await this._changed(left))) {
        throw { kind: "timeout", message: `no prompt from the device within ${timeoutMs / 1000} s` };
      }
    }
  }

  /** Drops output until none came for `quietMs`. */
  async drain(quietMs) {
    for (;;) {
      this._bytes = new Uint8Array(0);
      this._searched = 0;
      if (this._ended) throw this._closedError();
      const before = this._arrivals;
      const changed = await this._changed(quietMs);
      if (!changed && this._arrivals === before) break;
    }
    this._bytes = new Uint8Array(0);
    this._searched = 0;
  }
}

/**
 * Asks the person to choose a serial port (must run in a user gesture, from a secure context),
 * opens it and returns the console transport object of docs/web-api.md.
 *
 * @param {{ baudRate?: number, echoed?: boolean, maxLine?: number, longLines?: boolean,
 *           timeoutMs?: number, serial?: Serial, filters?: SerialPortFilter[] }} [options]
 *   `echoed`: the device echoes typed characters (ESP-IDF consoles and `uniprov device
 *   --serial` do); `maxLine`: the longest line it takes, CR included (default ESP-IDF's 255;
 *   `longLines: true` means a `uniprov device` console's 16385); `timeoutMs`: how long to wait
 *   for a prompt; `serial`: a `navigator.serial` stand-in.
 */
export async function openSerial(options = {}) {
  const serial = options.serial ?? globalThis.navigator?.serial;
  if (!serial || typeof serial.requestPort !== "function") {
    throw {
      kind: "unreachable",
      message: "this browser has no Web Serial",
      hint: "Use Chrome, Edge or Chromium on a computer, with the page opened from https:// or localhost.",
    };
  }
  let port;
  try {
    port = await serial.requestPort(options.filters ? { filters: options.filters } : {});
  } catch (error) {
    // NotFoundError: the chooser was cancelled; SecurityError: no user gesture.
    throw { kind: "unreachable", message: `no serial port chosen (${describe(error)})`, hint: "Plug the device in and choose its port." };
  }
  const baudRate = options.baudRate ?? 115200;
  try {
    await port.open({ baudRate, dataBits: 8, stopBits: 1, parity: "none", flowControl: "none" });
  } catch (error) {
    // InvalidStateError: already open; NetworkError: in use by another program.
    throw {
      kind: "unreachable",
      message: `cannot open the serial port at ${baudRate} baud (${describe(error)})`,
      hint: "Close any other program using the port (a serial monitor, idf.py monitor), then try again.",
    };
  }
  return new SerialConsole(port, {
    echoed: options.echoed ?? true,
    maxLine: options.maxLine ?? (options.longLines ? UNIPROV_CONSOLE_MAX_LINE : ESP_CONSOLE_MAX_LINE),
    timeoutMs: options.timeoutMs ?? RESPONSE_TIMEOUT_MS,
  });
}

/** The console transport object: one open port. */
class SerialConsole {
  constructor(port, { echoed, maxLine, timeoutMs }) {
    this.kind = "console";
    this.echoed = echoed;
    this.maxLine = maxLine;
    this._port = port;
    this._timeoutMs = timeoutMs;
    this._output = new OutputBuffer();
    this._closing = false;
    this._reader = null;
    this._writer = port.writable.getWriter();
    this._queue = Promise.resolve();
    this._reading = this._readLoop();
  }

  async _readLoop() {
    for (;;) {
      const readable = this._port.readable;
      if (this._closing || !readable) {
        this._output.end(this._closing ? "closed" : "the port is gone");
        return;
      }
      this._reader = readable.getReader();
      try {
        for (;;) {
          const { value, done } = await this._reader.read();
          if (done) {
            // Only a cancel or a closed port ends the stream.
            this._output.end(this._closing ? "closed" : "the port closed");
            return;
          }
          if (value) this._output.push(value);
        }
      } catch (error) {
        // A line error (framing, parity, break, overrun) errors this stream only: the port
        // gives a new one. Anything else (the device was unplugged) ends the port.
        if (!this._closing && RECOVERABLE_READ_ERRORS.has(error?.name)) continue;
        this._output.end(describe(error));
        return;
      } finally {
        this._reader.releaseLock();
        this._reader = null;
      }
    }
  }

  _serialize(operation) {
    const run = this._queue.then(operation, operation);
    this._queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Sends `bytes` as one burst (ESP-IDF ends a line only when CR is a burst's last byte). */
  write(bytes) {
    return this._serialize(async () => {
      if (this._closing) throw { kind: "closed", message: "the serial port is closed" };
      try {
        await this._writer.write(bytes);
      } catch (error) {
        throw { kind: "closed", message: `writing to the serial port failed (${describe(error)})` };
      }
    });
  }

  /** The device's output before its next `\n>> ` prompt (the prompt is consumed). */
  readUntilPrompt() {
    return this._serialize(() => this._output.untilPrompt(this._timeoutMs));
  }

  /** Drops output until none came for `quietMs`. */
  drain(quietMs) {
    return this._serialize(() => this._output.drain(quietMs));
  }

  /** Releases the streams and closes the port (best effort). */
  async close() {
    if (this._closing) return;
    this._closing = true;
    try {
      if (this._reader) await this._reader.cancel();
    } catch (_) {
      // The port may already be gone.
    }
    await this._reading.catch(() => undefined);
    try {
      this._writer.releaseLock();
    } catch (_) {
      // Released already.
    }
    try {
      await this._port.close();
    } catch (_) {
      // Closed already or unplugged.
    }
  }
}
