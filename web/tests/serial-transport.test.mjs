// web/serial.js alone (no wasm) in Debian's headless Chromium, its port bridged to a real
// `uniprov device` console (serial-bridge.mjs: Chromium's serial chooser cannot be automated
// with a real port, so `navigator.serial` is a stand-in whose port carries the device's bytes).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchChromium, serveStatic } from "./ble-and-serial-support.mjs";
import { startConsoleDevice, bridgeSerial } from "./serial-bridge.mjs";

const TIMEOUT = { timeout: 60000 };
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

/** Runs `body({ page, device, log })` with serial.js loaded and the port bridged to a device. */
async function withConsole(echo, body) {
  const { device, console } = await startConsoleDevice({ echo, args: ["--sec-ver", "1", "--pop", "serial-transport-test"] });
  const page = await chromium.newPage();
  try {
    const log = await bridgeSerial(page, console);
    await page.goto(site.url);
    await page.evaluate(async () => {
      window.serial = await import("/serial.js");
    });
    await body({ page, device, log });
  } catch (error) {
    error.message += `\n--- page console ---\n${page.consoleLines.join("\n")}\n--- device stderr ---\n${device.stderr()}`;
    throw error;
  } finally {
    await page.context().close();
    await device.stop();
  }
}

/** Calls `transport[method](...args)` in the page; bytes in and out as text. */
function call(page, method, ...args) {
  return page.evaluate(
    async ([m, a]) => {
      try {
        const input = m === "write" ? [new TextEncoder().encode(a[0])] : a;
        const value = await window.transport[m](...input);
        return { ok: true, text: value instanceof Uint8Array ? new TextDecoder().decode(value) : null };
      } catch (error) {
        return { ok: false, error: { kind: error.kind, message: error.message } };
      }
    },
    [method, args],
  );
}

function open(page, options) {
  return page.evaluate(async (o) => {
    try {
      window.transport = await window.serial.openSerial(o);
      const t = window.transport;
      return { ok: true, kind: t.kind, echoed: t.echoed, maxLine: t.maxLine };
    } catch (error) {
      return { ok: false, error: { kind: error.kind, message: error.message } };
    }
  }, options);
}

/** The hex line of a console response, decoded. */
function responseJson(output) {
  const hex = output.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^[0-9a-f]+$/.test(l) && l.length > 2).pop();
  assert.ok(hex, `a hex response line in ${JSON.stringify(output)}`);
  return JSON.parse(Buffer.from(hex, "hex").toString("utf8"));
}

for (const echo of [true, false]) {
  const mode = echo ? "an echoing console (uniprov device --serial on a pty)" : "a console without echo (stdin/stdout)";
  test(`prompts, one request line, its response: ${mode}`, TIMEOUT, async () => {
    await withConsole(echo, async ({ page, log }) => {
      const opened = await open(page, { echoed: echo, longLines: true });
      assert.deepEqual(opened, { ok: true, kind: "console", echoed: echo, maxLine: 16385 });
      assert.equal(log.baudRate, 115200);

      const first = await call(page, "readUntilPrompt");
      assert.equal(first.ok, true, JSON.stringify(first));
      assert.doesNotMatch(first.text, />> /, "the prompt is consumed");

      const line = "proto-ver 7 455350";
      assert.equal((await call(page, "write", `${line}\r`)).ok, true);
      const answer = await call(page, "readUntilPrompt");
      assert.equal(answer.ok, true, JSON.stringify(answer));
      if (echo) assert.ok(answer.text.startsWith(line), `the echo comes first: ${JSON.stringify(answer.text)}`);
      else assert.ok(!answer.text.includes(line), "no echo");
      assert.equal(responseJson(answer.text).prov.sec_ver, 1);
      assert.deepEqual(log.writes.map(String), [`${line}\r`], "one burst, ending with CR");

      // Nothing more is coming: drain returns, the next prompt wait runs into the timeout.
      assert.equal((await call(page, "drain", 100)).ok, true);
    });
  });
}

test("the transport's own timeout, an ended port, close(), a cancelled chooser", TIMEOUT, async () => {
  await withConsole(true, async ({ page, device, log }) => {
    assert.equal((await open(page, { timeoutMs: 400 })).maxLine, 255, "ESP-IDF's line limit by default");
    assert.equal((await call(page, "readUntilPrompt")).ok, true);
    const quiet = await call(page, "readUntilPrompt");
    assert.equal(quiet.error.kind, "timeout", JSON.stringify(quiet));

    await device.stop();
    const ended = await call(page, "readUntilPrompt");
    assert.equal(ended.error.kind, "closed", JSON.stringify(ended));
    assert.equal((await call(page, "close")).ok, true);
    assert.equal(log.closed, 1, "the port was closed after its streams were released");
  });
  await withConsole(false, async ({ page, log }) => {
    assert.equal((await open(page, { maxLine: 1000, echoed: false })).maxLine, 1000);
    assert.equal((await call(page, "close")).ok, true);
    assert.equal(log.closed, 1);
    const after = await call(page, "write", "proto-ver 1 00\r");
    assert.equal(after.error.kind, "closed");

    const cancelled = await page.evaluate(async () => {
      const serial = {
        requestPort: async () => {
          throw new DOMException("No port selected by the user.", "NotFoundError");
        },
      };
      try {
        await window.serial.openSerial({ serial });
        return null;
      } catch (error) {
        return { kind: error.kind, message: error.message, hint: error.hint };
      }
    });
    assert.equal(cancelled.kind, "unreachable");
    assert.match(cancelled.message, /no serial port chosen/);
  });
});
