// web/serial.js in Node against a scripted port (no browser): prompt framing over arbitrary
// chunk boundaries, quiet detection, the output limit, and the port's lifecycle.

import { test } from "node:test";
import assert from "node:assert/strict";
import { OutputBuffer, openSerial, ESP_CONSOLE_MAX_LINE, UNIPROV_CONSOLE_MAX_LINE } from "../serial.js";

const bytes = (s) => new TextEncoder().encode(s);
const str = (b) => new TextDecoder().decode(b);

test("the prompt is found across any chunk boundary, and consumed", async () => {
  const stream = "proto-ver 1 00\r\n\r\n7b7d\r\n\n>> next\n>> ";
  for (let cut = 1; cut < stream.length; cut += 1) {
    const output = new OutputBuffer();
    const first = output.untilPrompt(1000);
    output.push(bytes(stream.slice(0, cut)));
    output.push(bytes(stream.slice(cut)));
    assert.equal(str(await first), "proto-ver 1 00\r\n\r\n7b7d\r\n", `cut at ${cut}`);
    assert.equal(str(await output.untilPrompt(1000)), "next", `cut at ${cut}`);
  }
});

test("a prompt that arrives one byte at a time", async () => {
  const output = new OutputBuffer();
  const waiting = output.untilPrompt(1000);
  for (const byte of bytes("abc\n>> ")) {
    output.push(Uint8Array.of(byte));
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(str(await waiting), "abc");
});

test("no prompt: timeout; the port ends: closed; endless output: protocol", async () => {
  const quiet = new OutputBuffer();
  const started = Date.now();
  await assert.rejects(quiet.untilPrompt(60), (e) => e.kind === "timeout");
  assert.ok(Date.now() - started >= 55);

  const ended = new OutputBuffer();
  const waiting = ended.untilPrompt(1000);
  ended.push(bytes("half a line"));
  ended.end("unplugged");
  await assert.rejects(waiting, (e) => e.kind === "closed" && /unplugged/.test(e.message));

  const flood = new OutputBuffer(64);
  const flooding = flood.untilPrompt(1000);
  flood.push(new Uint8Array(100).fill(0x41));
  await assert.rejects(flooding, (e) => e.kind === "protocol");
});

test("drain drops what came before and during it, and returns once the line was quiet", async () => {
  const output = new OutputBuffer();
  output.push(bytes("boot log\n>> "));
  const draining = output.drain(30);
  // Arrives while drain waits for quiet: it restarts the wait and is dropped too.
  output.push(bytes("stale\n>> "));
  await draining;
  output.push(bytes("answer\n>> "));
  assert.equal(str(await output.untilPrompt(100)), "answer", "nothing from before the drain is left");
});

/** A scripted SerialPort: `device(line)` answers each write. */
function scriptedPort(device) {
  const log = { opened: null, closed: 0 };
  let controller;
  const port = {
    readable: null,
    writable: null,
    async open(options) {
      log.opened = options;
      this.readable = new ReadableStream({ start: (c) => (controller = c) });
      this.writable = new WritableStream({ write: (chunk) => controller.enqueue(bytes(device(str(chunk)))) });
      controller.enqueue(bytes("\n>> "));
    },
    async close() {
      if (this.readable.locked || this.writable.locked) throw new TypeError("locked");
      log.closed += 1;
    },
  };
  return { port, log, unplug: () => controller.error(new DOMException("The device has been lost.", "NetworkError")) };
}

test("openSerial: 115200 8N1, one write one burst, prompts framed, close releases the streams", async () => {
  const { port, log } = scriptedPort((line) => `${line}\n\r\n6869\r\n\n>> `);
  const transport = await openSerial({ serial: { requestPort: async () => port } });
  assert.deepEqual(log.opened, { baudRate: 115200, dataBits: 8, stopBits: 1, parity: "none", flowControl: "none" });
  assert.equal(transport.kind, "console");
  assert.equal(transport.echoed, true);
  assert.equal(transport.maxLine, ESP_CONSOLE_MAX_LINE);
  assert.equal(str(await transport.readUntilPrompt()), "");
  await transport.write(bytes("proto-ver 5 00\r"));
  assert.equal(str(await transport.readUntilPrompt()), "proto-ver 5 00\r\n\r\n6869\r\n");
  await transport.close();
  assert.equal(log.closed, 1);
  await assert.rejects(transport.write(bytes("x")), (e) => e.kind === "closed");
});

test("openSerial: an unplugged device ends the port; long lines and a cancelled chooser", async () => {
  const { port, unplug } = scriptedPort(() => "");
  const transport = await openSerial({ serial: { requestPort: async () => port }, longLines: true, echoed: false });
  assert.equal(transport.maxLine, UNIPROV_CONSOLE_MAX_LINE);
  assert.equal(transport.echoed, false);
  await transport.readUntilPrompt();
  const waiting = transport.readUntilPrompt();
  unplug();
  await assert.rejects(waiting, (e) => e.kind === "closed" && /lost/.test(e.message));

  const cancelled = { requestPort: async () => Promise.reject(new DOMException("No port selected by the user.", "NotFoundError")) };
  await assert.rejects(openSerial({ serial: cancelled }), (e) => e.kind === "unreachable");
  await assert.rejects(openSerial({ serial: null }), (e) => e.kind === "unreachable" && /Web Serial/.test(e.message));
});
