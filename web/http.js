// The HTTP transport object of docs/web-api.md: `POST /<endpoint>` on the page's own origin
// (docs/protocol.md §9.1). The device keeps the session by its `session=` cookie, which the
// browser stores and sends back by itself.

/** How long one request may take before it fails with `{ kind: "timeout" }`. */
const REQUEST_TIMEOUT_MS = 30000;

/** Forgets the device's session cookie, so the next request starts a new session. */
export function forgetSession() {
  document.cookie = "session=; Max-Age=0; path=/";
}

/**
 * Seconds from a `Retry-After` header (delta-seconds or an HTTP date), or `undefined`.
 * @param {string | null} value
 */
export function retryAfterSeconds(value, now = Date.now()) {
  if (value == null || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * A new HTTP transport. It starts a new device session: the old cookie is dropped first.
 * @param {{ base?: string, timeoutMs?: number, fetch?: typeof fetch }} [options]
 */
export function openHttp(options = {}) {
  const base = options.base ?? "";
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  forgetSession();
  // Once the device answered anything, a dropped request is the device closing the
  // connection (a refused request: after a handshake message, a wrong PoP / password).
  let answered = false;

  return {
    kind: "http",
    async request(endpoint, body) {
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      try {
        let response;
        try {
          response = await doFetch(`${base}/${endpoint}`, {
            method: "POST",
            body,
            credentials: "same-origin",
            cache: "no-store",
            signal: controller.signal,
          });
        } catch (_) {
          if (timedOut) throw { kind: "timeout" };
          throw { kind: answered ? "closed" : "unreachable" };
        }
        answered = true;
        if (response.status === 429) {
          throw { kind: "busy", retryAfter: retryAfterSeconds(response.headers.get("Retry-After")) };
        }
        if (response.status === 404) throw { kind: "no_endpoint" };
        if (response.status !== 200) throw { kind: "http", status: response.status };
        try {
          return new Uint8Array(await response.arrayBuffer());
        } catch (_) {
          if (timedOut) throw { kind: "timeout" };
          throw { kind: "closed" };
        }
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
