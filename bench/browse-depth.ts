// Browsing without leasing (GET /v1/queues/{q}/messages?state=) must cost the same at any depth
// of a backlog: a page is two range seeks on the claim index. This times pages of 100 from the
// front, the middle and the end of a queue of N ready messages, beside the same page on a queue
// of 100, in one run: `bun bench/browse-depth.ts [--messages N]`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "../src/app.ts";
import { loadConfig } from "../src/config/load.ts";
import { createLogger } from "../src/observability/logger.ts";

const arg = process.argv.indexOf("--messages");
const total = arg > 0 ? Number(process.argv[arg + 1]) : 200_000;
const dir = mkdtempSync(join(tmpdir(), "millrace-browse-"));
const config = loadConfig({
  env: { MILLRACE_DATA_DIR: dir, MILLRACE_LISTEN: "127.0.0.1:0", MILLRACE_MODE: "api", MILLRACE_LOG_LEVEL: "error" },
  flags: {},
});
const app = new App(
  config,
  createLogger("error", () => undefined),
);
await app.start();
const call = (method: string, path: string, body?: unknown) =>
  fetch(`${app.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function fill(queue: string, count: number): Promise<void> {
  await call("PUT", `/v1/queues/${queue}`, {});
  for (let done = 0; done < count; done += 1000) {
    const messages = Array.from({ length: Math.min(1000, count - done) }, (_, i) => ({ body: { n: done + i } }));
    const response = await call("POST", `/v1/queues/${queue}/messages`, { messages });
    if (response.status !== 201) throw new Error(`publish: ${response.status} ${await response.text()}`);
    if (done % 50_000 === 0) process.stderr.write(`filled ${done}/${count}\r`);
  }
  process.stderr.write("\n");
}

/** The cursor of the page that starts `skip` messages in, walked page by page (1000 at a time). */
async function cursorAt(queue: string, skip: number): Promise<string | null> {
  let after: string | null = null;
  for (let seen = 0; seen < skip; seen += 1000) {
    const query: string = after === null ? "" : `&after=${encodeURIComponent(after)}`;
    const page = (await (await call("GET", `/v1/queues/${queue}/messages?state=ready&limit=1000${query}`)).json()) as {
      nextCursor: string | null;
    };
    after = page.nextCursor;
  }
  return after;
}

async function timePages(queue: string, after: string | null, rounds = 200): Promise<number> {
  const query = after === null ? "" : `&after=${encodeURIComponent(after)}`;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    const response = await call("GET", `/v1/queues/${queue}/messages?state=ready&limit=100${query}`);
    if (response.status !== 200) throw new Error(`browse: ${response.status}`);
    await response.arrayBuffer();
  }
  return (performance.now() - started) / rounds;
}

try {
  await fill("small", 100);
  await fill("big", total);
  const rows: Array<[string, number]> = [
    ["100 messages, first page", await timePages("small", null)],
    [`${total} messages, first page`, await timePages("big", null)],
    [`${total} messages, page at the middle`, await timePages("big", await cursorAt("big", total / 2))],
    [`${total} messages, page near the end`, await timePages("big", await cursorAt("big", total - 1000))],
  ];
  for (const [name, ms] of rows) console.log(`${name.padEnd(40)} ${ms.toFixed(2)} ms per page of 100`);
} finally {
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
}
