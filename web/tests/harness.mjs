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
 * Starts `uniprov device` on 127.0.0.1:<free port> with the page as its web root, and resolves
 * once it announced its address. `options.args`: the security options and anything else.
 */
export async function startDevice(options = {}) {
  if (!existsSync(join(distDir, "index.html"))) {
    throw new Error(`${distDir}/index.html is missing: run scripts/web.sh first`);
  }
  const work = mkdtempSync(join(tmpdir(), "uniprov-web-test-"));
  const args = [
    "device",
    "--transport", "http",
    "--listen", "127.0.0.1:0",
    "--events", "json",
    "--radio", "sim",
    "--state-dir", join(work, "state"),
    "--sim-connect-delay-ms", String(options.connectDelayMs ?? 300),
    "--cleanup-delay-ms", "200",
    // The page from web/dist, or (embedded: true) the copy built into the binary.
    ...(options.embedded ? ["--web-page", "on"] : ["--web-root", distDir]),
    ...(options.args ?? []),
  ];
  const child = spawn(uniprovBin(), args, { stdio: ["ignore", "pipe", "pipe"] });
  const events = [];
  const waiters = [];
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    let event;
    try {
      event = JSON.parse(line);
    } catch (_) {
      return;
    }
    events.push(event);
    for (const waiter of [...waiters]) waiter.check();
  });
  const exited = new Promise((resolveExit) => child.on("exit", (code, signal) => resolveExit({ code, signal })));
  let exit = null;
  exited.then((status) => {
    exit = status;
    for (const waiter of [...waiters]) waiter.check();
  });

  /** Resolves with the first event matching `predicate` (a name or a function). */
  function waitEvent(predicate, timeoutMs = 20000) {
    const test = typeof predicate === "string" ? (e) => e.event === predicate : predicate;
    return new Promise((resolveWait, reject) => {
      const waiter = {
        check() {
          const found = events.find(test);
          if (found) {
            done();
            resolveWait(found);
          } else if (exit) {
            done();
            reject(new Error(`device exited (${JSON.stringify(exit)}) before the event; events: ${JSON.stringify(events)}; stderr:\n${stderr}`));
          }
        },
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no such device event within ${timeoutMs} ms; events: ${JSON.stringify(events)}`));
      }, timeoutMs);
      function done() {
        clearTimeout(timer);
        const i = waiters.indexOf(waiter);
        if (i >= 0) waiters.splice(i, 1);
      }
      waiters.push(waiter);
      waiter.check();
    });
  }

  const listening = await waitEvent((e) => e.event === "listening" && e.transport === "http", 30000);
  return {
    url: `http://${listening.addr}/`,
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
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    async newPage() {
      // One context (the persistent profile): each test starts from no cookies.
      await context.clearCookies();
      const page = await context.newPage();
      const consoleLines = [];
      page.on("console", (message) => consoleLines.push(message.text()));
      page.on("pageerror", (error) => consoleLines.push(`pageerror: ${error.message}`));
      page.consoleLines = consoleLines;
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a PNG screenshot of `page` into docs/img/ (when UNIPROV_SCREENSHOTS is set). */
export async function screenshot(page, name) {
  if (!process.env.UNIPROV_SCREENSHOTS) return;
  mkdirSync(imgDir, { recursive: true });
  await page.screenshot({ path: join(imgDir, name), fullPage: false });
}

