import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { generateKey } from "../../src/auth/api-key-format.ts";
import { launchChromium, screenshot, watchForProblems } from "../helpers/browser.ts";
import { client, startApp, type RunningApp } from "../helpers/start-app.ts";

// The admin console in a real Chromium against a real server with API keys: everything it does
// goes through the v1 API. Any browser console error, CSP violation or 5xx fails the test.

const dir = mkdtempSync(join(tmpdir(), "millrace-console-"));
const operator = generateKey(["admin", "publish", "consume"], ["*"], "operator");
const worker = generateKey(["consume"], ["*"], "worker");
let server: RunningApp;
let browser: Browser;

beforeAll(async () => {
  const keysFile = join(dir, "api-keys");
  writeFileSync(keysFile, `${operator.line}\n${worker.line}\n`);
  server = await startApp({
    MILLRACE_AUTH: "api-key",
    MILLRACE_API_KEYS_FILE: keysFile,
    MILLRACE_UI: "true",
    MILLRACE_DOCS: "true",
    // The server samples queue history once a second, so the queue page shows its rate chart soon.
    MILLRACE_STATS_INTERVAL_SECONDS: "1",
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(`${server.url}/ui`);
  await page.getByLabel("API key or JWT").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Queues" }).waitFor();
}

/** Waits until the stat shown for `state` reads `value` (the page polls the API). */
async function statReads(page: Page, state: string, value: number): Promise<void> {
  await page.locator(`dd[data-stat="${state}"]`, { hasText: new RegExp(`^${value}$`) }).waitFor();
}

test("create, publish, browse, dead-letter and redrive from the console", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watchForProblems(page);
  page.on("dialog", (dialog) => void dialog.accept());
  await signIn(page, operator.key);

  await page.getByLabel("New queue").fill("orders");
  await page.getByRole("button", { name: "Create queue" }).click();
  await page.getByRole("heading", { name: "orders", level: 1 }).waitFor();

  // The API's validation message appears beside the field it names.
  await page.getByLabel("Max attempts").fill("0");
  await page.getByRole("button", { name: "Save settings" }).click();
  const fieldError = page.locator("#setting-maxAttempts-error");
  await fieldError.waitFor();
  expect(await fieldError.textContent()).toContain("maxAttempts");
  await page.getByLabel("Max attempts").fill("1");
  await page.getByLabel("Visibility timeout (s)").fill("1");
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();

  await page.getByLabel("Body (JSON)").fill('{"orderId": 42, "total": "19.90"}');
  await page.getByRole("button", { name: "Publish" }).click();
  await statReads(page, "ready", 1);
  await page.getByRole("tab", { name: /^ready/ }).waitFor();
  // Drawn from the server's in-memory history (GET /v1/queues/{q}/history), not this tab's polls.
  await page.getByRole("img", { name: /publish and ack rates/ }).waitFor();
  await screenshot(page, "queue");

  // Browsing leases nothing: open the message from the list.
  await page.locator("section[aria-labelledby=messages-title] tbody a").first().click();
  await page.locator('dd[data-field="state"]', { hasText: "ready" }).waitFor();
  expect(await page.locator("pre.body").first().textContent()).toContain('"orderId": 42');
  await screenshot(page, "message");

  // A consumer takes it and never acks; with one attempt allowed, the expired lease dead-letters it.
  const received = await client(server.url)(
    "POST",
    "/v1/queues/orders/receive",
    { max: 1 },
    {
      authorization: `Bearer ${worker.key}`,
    },
  );
  expect(received.body.messages).toHaveLength(1);
  await page.locator('dd[data-field="state"]', { hasText: "dead" }).waitFor();
  await page.getByRole("link", { name: "← orders" }).click();
  await statReads(page, "dead", 1);

  await page.getByRole("tab", { name: /^dead/ }).click();
  await page.getByRole("checkbox").first().check();
  await screenshot(page, "dead-letters");
  await page.getByRole("button", { name: "Redrive selected" }).click();
  await statReads(page, "dead", 0);
  await statReads(page, "ready", 1);

  await page.getByRole("button", { name: "Pause" }).click();
  await page.getByRole("button", { name: "Resume" }).waitFor();
  await page.getByRole("link", { name: "Queues", exact: true }).click();
  await page.locator('tr[data-queue="orders"] td', { hasText: "paused" }).waitFor();
  await screenshot(page, "overview");

  // The one refusal provoked above: maxAttempts 0.
  expect(problems).toEqual([
    `console error: Failed to load resource: the server responded with a status of 400 (Bad Request) (${server.url}/v1/queues/orders)`,
  ]);
  await page.close();
}, 120_000);

test("a key without the admin scope sees the API's authorisation error", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
  const problems = watchForProblems(page);
  await signIn(page, worker.key);
  const alert = page.getByRole("alert").filter({ hasText: "insufficient_scope" });
  await alert.waitFor();
  await screenshot(page, "no-admin");
  // Chromium logs each 403 itself: the sign-in probe (a 403 there still means the key is valid) and the list.
  expect(problems).toEqual([
    `console error: Failed to load resource: the server responded with a status of 403 (Forbidden) (${server.url}/v1/queues?limit=1)`,
    `console error: Failed to load resource: the server responded with a status of 403 (Forbidden) (${server.url}/v1/queues?limit=50)`,
  ]);
  await page.close();
}, 60_000);

test("/docs renders from the binary's own assets under its CSP", async () => {
  const page = await browser.newPage();
  const problems = watchForProblems(page);
  const outside: string[] = [];
  page.on("request", (request) => {
    if (!request.url().startsWith(server.url) && !request.url().startsWith("data:")) outside.push(request.url());
  });
  await page.goto(`${server.url}/docs`);
  await page.locator(".swagger-ui .info .title", { hasText: "Millrace" }).waitFor();
  expect(outside).toEqual([]);
  expect(problems).toEqual([]);
  await page.close();
}, 60_000);
