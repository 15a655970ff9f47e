// Test harness: a real `uniprov device` child (simulated radio, HTTP transport) serving the
// built page (web/dist), and Debian's Chromium driven headless by playwright-core.

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "..", "..");
export const distDir = resolve(repoRoot, "web", "dist");
export const imgDir = resolve(repoRoot, "docs", "img");

/** The phone-sized viewport of the tests and the screenshots. */
export const PHONE = { width: 390, height: 844 };

/** The simulated world's networks (crates/uniprov/src/device/network/sim/config.rs). */
export const HOME = { ssid: "HomeNetwork", passphrase: "password123" };
export const OFFICE = { ssid: "Office-5G", passphrase: "correct horse battery" };

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

/** Chromium: $CHROMIUM, else Debian's /usr/bin/chromium. */
export function chromiumPath() {
  return process.env.CHROMIUM || "/usr/bin/chromium";
}

/**
 * Chromium's switches as the machine's probe found them (no background networking: this
 * machine's network is closed), shared by every browser test.
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Spawns `uniprov device ARGS` on the simulated radio with its own state directory. With
 * `options.events` (the default) it adds `--events json` and collects the JSON events of its
 * stdout; `options.stdin: "pipe"` keeps stdin for a stdio console. Returns `{ child, events,
 * waitEvent(predicate, timeoutMs), exited, stderr(), stop() }`.
 */
export function spawnDevice(args, options = {}) {
  const work = mkdtempSync(join(tmpdir(), "uniprov-web-device-"));
  const all = [
    "device",
    "--radio", "sim",
    "--state-dir", join(work, "state"),
    "--sim-connect-delay-ms", String(options.connectDelayMs ?? 300),
    "--cleanup-delay-ms", "200",
    ...args,
  ];
  const eventsOnStdout = options.events !== false && !args.includes("--events");
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

  return {
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
}

/**
 * Starts `uniprov device` on 127.0.0.1:<free port> with the page as its web root, and resolves
 * once it announced its address (`url`). `options.args`: the security options and anything
 * else; `options.embedded`: the copy of the page built into the binary instead.
 */
export async function startDevice(options = {}) {
  if (!existsSync(join(distDir, "index.html"))) {
    throw new Error(`${distDir}/index.html is missing: run scripts/web.sh first`);
  }
  const device = spawnDevice(
    [
      "--transport", "http",
      "--listen", "127.0.0.1:0",
      // The page from web/dist, or (embedded: true) the copy built into the binary.
      ...(options.embedded ? ["--web-page", "on"] : ["--web-root", distDir]),
      ...(options.args ?? []),
    ],
    { connectDelayMs: options.connectDelayMs },
  );
  try {
    const listening = await device.waitEvent((e) => e.event === "listening" && e.transport === "http");
    return { ...device, url: `http://${listening.addr}/` };
  } catch (error) {
    await device.stop();
    throw error;
  }
}

/** Launches Debian's Chromium headless with its own fresh profile. */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "uniprov-web-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    viewport: PHONE,
    deviceScaleFactor: 1,
    isMobile: false,
    hasTouch: true,
    args: CHROMIUM_ARGS,
  });
  return {
    context,
    async newPage() {
      // One context (the persistent profile): each test starts from no cookies.
      await context.clearCookies();
      const page = await context.newPage();
      return recordConsole(page);
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Collects the page's console lines and uncaught errors in `page.consoleLines`; returns `page`. */
export function recordConsole(page) {
  const consoleLines = [];
  page.on("console", (message) => consoleLines.push(message.text()));
  page.on("pageerror", (error) => consoleLines.push(`pageerror: ${error.message}`));
  page.consoleLines = consoleLines;
  return page;
}

/** Saves a PNG screenshot of `page` into docs/img/ (when UNIPROV_SCREENSHOTS is set). */
export async function screenshot(page, name) {
  if (!process.env.UNIPROV_SCREENSHOTS) return;
  mkdirSync(imgDir, { recursive: true });
  await page.screenshot({ path: join(imgDir, name), fullPage: false });
}

