// What the headless e2e tests do on the page, in a user's terms: sign in, open a service's
// Connect panel and fill it, find a saved connection's row, take a screenshot, scan the
// view for accessibility in both themes.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import AxeBuilder from "@axe-core/playwright";
import type { Locator, Page } from "playwright-core";

export const SHOTS = "test-results/screenshots";

export async function shoot(page: Page, name: string): Promise<void> {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

export const THEMES = ["light", "dark"] as const;

/** axe's serious and critical findings on the page as it is now, in one theme. */
async function seriousViolations(page: Page, theme: (typeof THEMES)[number]) {
  await page.emulateMedia({ colorScheme: theme });
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${theme}: ${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target).join(", ")}`);
}

/** Scans the view in both themes; fails naming every serious or critical finding. */
export async function scan(page: Page, view: string): Promise<void> {
  const found: string[] = [];
  for (const theme of THEMES) found.push(...(await seriousViolations(page, theme)));
  await page.emulateMedia({ colorScheme: null });
  assert.deepEqual(found, [], `${view}: accessibility violations`);
}

export async function signIn(page: Page, apiUrl: string, key: string, secret: string) {
  await page.getByLabel("Broker API URL").fill(apiUrl);
  await page.getByLabel("Access key ID").fill(key);
  await page.getByLabel("Secret access key").fill(secret);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Opens the header's menu (accounts, Settings, Sign out) unless it is open already. */
export async function openMenu(page: Page): Promise<void> {
  const button = page.getByRole("button", { name: "Menu" });
  if ((await button.getAttribute("aria-expanded")) !== "true") await button.click();
}

/** Picks Settings or Sign out from the header's menu. */
export async function fromMenu(page: Page, item: "Settings" | "Sign out"): Promise<void> {
  await openMenu(page);
  await page.getByRole("button", { name: item }).click();
}

/** The open connect panel (one at a time: opening another closes the first). */
export function panel(page: Page): Locator {
  return page.locator("form.connect-panel");
}

export async function openConnect(page: Page, service: string): Promise<Locator> {
  await page.getByRole("button", { name: new RegExp(`^Connect to ${service} on`) }).click();
  return panel(page);
}

/** A radio of the panel by the start of its label ("Public proxy", "Latching" …). */
export async function choose(form: Locator, label: string): Promise<void> {
  const start = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);
  await form
    .locator("label.mode")
    .filter({ has: form.page().locator("strong", { hasText: start }) })
    .locator("input")
    .check();
}

export interface ConnectChoices {
  route: "Adaptive" | "Peer to peer only" | "Proxy only" | "Public proxy";
  name: string;
  /** Public proxy: "Public", "Restricted to one IP" or "Latching". */
  who?: string;
  restrictTo?: string;
  port?: string;
  /** Local routes: "LAN: all addresses" or "Another address", with its address. */
  bind?: string;
  bindAddress?: string;
  /** Local network security: "None", "IP latching", "Single IP" or "Subnet", with its value. */
  security?: string;
  allowed?: string;
  idleMinutes?: string;
}

/** Fills the panel of `service` and submits it; returns the new row. */
export async function connectVia(
  page: Page,
  service: string,
  choices: ConnectChoices,
): Promise<Locator> {
  const form = await openConnect(page, service);
  await fill(form, choices);
  await form.locator("button[type=submit]").click();
  await form.waitFor({ state: "detached" });
  const row = savedRow(page, choices.name);
  await row.waitFor();
  return row;
}

export async function fill(form: Locator, choices: Partial<ConnectChoices>): Promise<void> {
  if (choices.route) await choose(form, choices.route);
  if (choices.who) await choose(form, choices.who);
  if (choices.restrictTo !== undefined) {
    await form.getByLabel("IP address allowed").fill(choices.restrictTo);
  }
  if (choices.port !== undefined) await form.getByLabel("Local port").fill(choices.port);
  if (choices.bind) await choose(form, choices.bind);
  if (choices.bindAddress !== undefined) {
    await form.getByLabel("Address to listen on").fill(choices.bindAddress);
  }
  if (choices.security) await choose(form, choices.security);
  if (choices.allowed !== undefined) await form.getByLabel(/^Allowed /).fill(choices.allowed);
  if (choices.idleMinutes !== undefined) {
    await form.getByLabel("Idle timeout (minutes)").fill(choices.idleMinutes);
  }
  if (choices.name) await form.getByLabel("Connection name").fill(choices.name);
}

/** The row of the saved connection named `name`. */
export function savedRow(page: Page, name: string): Locator {
  return page
    .locator(".connection.saved")
    .filter({ has: page.locator(".service-name", { hasText: new RegExp(`^${name}$`) }) });
}

export async function addressOf(row: Locator): Promise<{ host: string; port: number }> {
  const text = (await row.locator(".address").textContent()) ?? "";
  const at = text.lastIndexOf(":");
  return { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
}

/** Waits until the row's state reads `words` ("idle", "connected P2P", "public" …). */
export async function stateIs(row: Locator, words: string | RegExp): Promise<void> {
  await row
    .locator(".state", { hasText: typeof words === "string" ? new RegExp(`^${words}$`) : words })
    .waitFor();
}
