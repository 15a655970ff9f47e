// Driving the provisioning page (web/index.html) as a person would, for the Bluetooth and
// serial tests: the same labels and result markers as web/tests/page.test.mjs.

import assert from "node:assert/strict";

/** Opens the page and waits until the connect form is shown (the wasm has loaded). */
export async function openPage(page, url) {
  await page.goto(url);
  await page.locator("#connect-view").waitFor({ state: "visible", timeout: 30000 });
}

/** Fills the secret (and the username) and presses Connect. */
export async function connectWith(page, secretValue, { username } = {}) {
  await page.getByLabel("Proof of possession or password").fill(secretValue);
  if (username !== undefined) {
    await page.getByText("More options").click();
    await page.getByLabel("Username (security 2)").fill(username);
  }
  await page.getByRole("button", { name: "Connect" }).click();
}

/** Waits for the negotiated-security line of a connected session. */
export async function waitConnected(page, secVer) {
  await page.locator(`#security-line[data-sec-ver="${secVer}"]`).waitFor({ timeout: 60000 });
}

/** Types the network and presses Provision. */
export async function provisionWith(page, ssid, passphrase) {
  await page.getByLabel("Network name (SSID)").fill(ssid);
  await page.getByLabel("Passphrase").fill(passphrase);
  await page.getByRole("button", { name: "Provision" }).click();
}

/** Waits for the result section to show `expected`; returns its title, text and hint. */
export async function outcome(page, expected) {
  const result = page.locator("#result");
  try {
    await page.locator(`#result[data-outcome="${expected}"]`).waitFor({ timeout: 60000 });
  } catch (error) {
    const shown = (await result.isVisible()) ? `${await result.getAttribute("data-outcome")}: ${await result.textContent()}` : "nothing";
    error.message += `\n(the page shows ${shown})`;
    throw error;
  }
  return {
    title: await page.locator("#result-title").textContent(),
    text: await page.locator("#result-text").textContent(),
    hint: await page.locator("#result-hint").textContent(),
  };
}

/** No secret reached the browser console. */
export function assertNoSecretIn(page, ...secrets) {
  const text = page.consoleLines.join("\n");
  for (const value of secrets) assert.ok(!text.includes(value), "a secret reached the browser console");
}
