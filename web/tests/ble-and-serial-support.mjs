// Shared by ble.test.mjs and serial.test.mjs: Debian's Chromium with Web Bluetooth switched
// on, a static server for web/ (for the transport-level tests that need no wasm), and
// `uniprov device` children whose JSON events are collected.

import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, rmSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve, extname, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "..", "..");
export const webDir = resolve(repoRoot, "web");
export const distDir = resolve(webDir, "dist");

/** The simulated world's first network (crates/uniprov/src/device/network/sim/config.rs). */
export const HOME = { ssid: "HomeNetwork", passphrase: "password123" };

/** The uniprov binary: $UNIPROV_BIN, else the workspace's debug build (like scripts/demo.sh). */
export function uniprovBin() {
  if (process.env.UNIPROV_BIN) return process.env.UNIPROV_BIN;
  const meta = execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps"], {
    cwd: repoRoot,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return join(JSON.parse(meta).target_directory, "debug", "uniprov");
}

/** Whether web/dist holds the built page and its wasm (scripts/web.sh). */
export function pageBuilt() {
  return existsSync(join(distDir, "index.html")) && existsSync(join(distDir, "pkg", "uniprov_web.js"));
}

/**
 * Chromium's switches. Web Bluetooth is off by default on Linux ("experimental on this
 * platform"): `--enable-experimental-web-platform-features` turns `navigator.bluetooth` on,
 * which the emulation needs too.
 */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--enable-experimental-web-platform-features",
];

/**
 * Launches Debian's Chromium headless (Playwright gives it a fresh temporary profile). A
 * browser, not a persistent context: the Bluetooth emulation is a browser-level CDP domain.
 */
export async function launchChromium() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return {
    browser,
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      const consoleLines = [];
      page.on("console", (message) => consoleLines.push(message.text()));
      page.on("pageerror", (error) => consoleLines.push(`pageerror: ${error.message}`));
      page.consoleLines = consoleLines;
      return page;
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
  const work = mkdtempSync(join(tmpdir(), "uniprov-webemu-device-"));
  const all = [
    "device",
    "--radio", "sim",
    "--state-dir", join(work, "state"),
    "--sim-connect-delay-ms", "300",
    "--cleanup-delay-ms", "200",
    ...args,
  ];
  const eventsOnStdout = !args.includes("--events") && options.events !== false;
  if (eventsOnStdout) all.push("--events", "json");
  const child = spawn(uniprovBin(), all, { stdio: [options.stdin ?? "ignore", "pipe", "pipe"] });
  const events = [];
  const waiters = new Set();
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  if (eventsOnStdout) {
    createInterface({ input: child.stdout }).on("line", (line) => {
      try {
        events.push(JSON.parse(line));
      } catch (_) {
        return;
      }
      for (const waiter of [...waiters]) waiter();
    });
  }
  let exit = null;
  const exited = new Promise((done) => {
    const ended = (status) => {
      if (exit) return;
      exit = status;
      for (const waiter of [...waiters]) waiter();
      done(exit);
    };
    child.on("exit", (code, signal) => ended({ code, signal }));
    child.on("error", (error) => ended({ error: `${error.message} (build it: cargo build -p uniprov-cli, or set UNIPROV_BIN)` }));
  });

  /** The first event matching `predicate` (an event name or a function). */
  function waitEvent(predicate, timeoutMs = 30000) {
    const test = typeof predicate === "string" ? (e) => e.event === predicate : predicate;
    return new Promise((found, failed) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        failed(new Error(`no such device event within ${timeoutMs} ms; events: ${JSON.stringify(events)}\n${stderr}`));
      }, timeoutMs);
      function check() {
        const event = events.find(test);
        if (event || exit) {
          clearTimeout(timer);
          waiters.delete(check);
          if (event) found(event);
          else failed(new Error(`device exited (${JSON.stringify(exit)}) first; events: ${JSON.stringify(events)}\n${stderr}`));
        }
      }
      waiters.add(check);
      check();
    });
  }

  const device = {
    child,
    events,
    waitEvent,
    exited,
    stderr: () => stderr,
    async stop() {
      if (!exit) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(work, { recursive: true, force: true });
    },
  };
  if (eventsOnStdout) {
    try {
      await waitEvent("start");
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
