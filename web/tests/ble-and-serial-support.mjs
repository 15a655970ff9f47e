// Shared by ble.test.mjs and serial.test.mjs: Debian's Chromium with Web Bluetooth switched
// on, a static server for web/ (for the transport-level tests that need no wasm), and
// `uniprov device` children whose JSON events are collected.

import { createServer } from "node:http";
import { readFileSync, existsSync } from "node:fs";
import { join, resolve, extname, normalize, sep } from "node:path";
import { chromium } from "playwright-core";
import { repoRoot, distDir, HOME, uniprovBin, chromiumPath, spawnDevice, recordConsole, CHROMIUM_ARGS } from "./harness.mjs";

export { repoRoot, distDir, HOME, uniprovBin };
export const webDir = resolve(repoRoot, "web");

/** Whether web/dist holds the built page and its wasm (scripts/web.sh). */
export function pageBuilt() {
  return existsSync(join(distDir, "index.html")) && existsSync(join(distDir, "pkg", "uniprov_web.js"));
}

/**
 * Chromium's switches. Web Bluetooth is off by default on Linux ("experimental on this
 * platform"): `--enable-experimental-web-platform-features` turns `navigator.bluetooth` on,
 * which the emulation needs too.
 */
const WEB_BLUETOOTH_ARGS = [...CHROMIUM_ARGS, "--enable-experimental-web-platform-features"];

/**
 * Launches Debian's Chromium headless (Playwright gives it a fresh temporary profile). A
 * browser, not a persistent context: the Bluetooth emulation is a browser-level CDP domain.
 */
export async function launchChromium() {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: WEB_BLUETOOTH_ARGS,
  });
  return {
    browser,
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      return recordConsole(page);
    },
    async close() {
      await browser.close();
    },
  };
}

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };

/**
 * Serves `root` on 127.0.0.1 (a secure context, as Web Bluetooth and Web Serial require); `/`
 * is its index.html, or an empty page when it has none.
 */
export async function serveStatic(root = webDir) {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    if (path === "/" && !existsSync(join(root, "index.html"))) {
      response.setHeader("content-type", "text/html");
      response.end('<!doctype html><meta charset="utf-8"><title>transport test</title><body></body>');
      return;
    }
    const file = normalize(join(root, path === "/" ? "index.html" : path));
    if (!file.startsWith(root + sep) || !existsSync(file)) {
      response.statusCode = 404;
      response.end();
      return;
    }
    response.setHeader("content-type", TYPES[extname(file)] ?? "application/octet-stream");
    response.end(readFileSync(file));
  });
  await new Promise((ready) => server.listen(0, "127.0.0.1", ready));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((done) => server.close(done)),
  };
}

/**
 * Starts `uniprov device` with `args` (simulated radio, JSON events on stdout, its own state
 * directory). `options.stdin`: "pipe" to talk to a stdio console. Resolves once it started.
 */
export async function startDevice(args, options = {}) {
  const device = spawnDevice(args, options);
  if (options.events !== false && !args.includes("--events")) {
    try {
      await device.waitEvent("start");
    } catch (error) {
      await device.stop();
      throw error;
    }
  }
  return device;
}

/** The HTTP address a device announced (`{"event":"listening","transport":"http"}`). */
export async function httpAddress(device) {
  const listening = await device.waitEvent((e) => e.event === "listening" && e.transport === "http");
  return `http://${listening.addr}/`;
}
