import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { client, startApp, type RunningApp } from "../helpers/start-app.ts";

// Issue 8, item 8: values that used to be accepted (or refused with a message naming the wrong
// thing) get a 400 that names the field and says what is allowed.

let server: RunningApp;
let call: ReturnType<typeof client>;
const SECRET = "whsec_AAAAAAAAAAAAAAAAAAAAAAAA";

beforeAll(async () => {
  server = await startApp();
  call = client(server.url);
});
afterAll(async () => server.stop());

async function refused(response: Promise<{ status: number; body: any }>, field: string): Promise<string> {
  const { status, body } = await response;
  expect(status).toBe(400);
  expect(body.error.code).toBe("invalid_request");
  expect(body.error.details.field).toBe(field);
  expect(body.error.message).toStartWith(`${field}: `);
  return body.error.message as string;
}

describe("queue settings", () => {
  test("backoff.baseMs above maxMs is refused, in one request or against the stored other side", async () => {
    expect(
      await refused(call("PUT", "/v1/queues/vh-backoff", { backoff: { baseMs: 5000, maxMs: 100 } }), "backoff.baseMs"),
    ).toContain("above backoff.maxMs (100)");
    expect((await call("GET", "/v1/queues/vh-backoff")).status).toBe(404);
    await call("PUT", "/v1/queues/vh-backoff", { backoff: { baseMs: 1000, maxMs: 2000 } });
    expect(
      await refused(call("PUT", "/v1/queues/vh-backoff", { backoff: { baseMs: 3000 } }), "backoff.baseMs"),
    ).toContain("the queue's backoff.maxMs (2000)");
    expect(await refused(call("PUT", "/v1/queues/vh-backoff", { backoff: { maxMs: 500 } }), "backoff.maxMs")).toContain(
      "the queue's backoff.baseMs (1000)",
    );
    // Moving both together, or equal values, is fine; the refused PUTs changed nothing.
    expect((await call("GET", "/v1/queues/vh-backoff")).body.settings.backoff).toMatchObject({
      baseMs: 1000,
      maxMs: 2000,
    });
    expect((await call("PUT", "/v1/queues/vh-backoff", { backoff: { baseMs: 3000, maxMs: 3000 } })).status).toBe(200);
  });

  test("maxMessages is at most 1e9", async () => {
    expect(await refused(call("PUT", "/v1/queues/vh-max", { maxMessages: 1e20 }), "maxMessages")).toContain(
      "from 0 to 1000000000",
    );
    expect((await call("PUT", "/v1/queues/vh-max", { maxMessages: 1_000_000_000 })).status).toBe(201);
  });

  test("a bad delivery names the delivery field that is wrong", async () => {
    const url = await refused(
      call("PUT", "/v1/queues/vh-hook", { delivery: { url: "ftp://x", secret: SECRET } }),
      "delivery.url",
    );
    expect(url).toContain("must be an http(s) URL");
    expect(
      await refused(call("PUT", "/v1/queues/vh-hook", { delivery: { url: "https://x.example" } }), "delivery.secret"),
    ).toContain("is required");
    expect(await refused(call("PUT", "/v1/queues/vh-hook", { delivery: "https://x.example" }), "delivery")).toBe(
      "delivery: must be an object, or null",
    );
  });
});

describe("subscriptions", () => {
  test("an empty filter list, or a filter that is not an object, names the filter field", async () => {
    await call("PUT", "/v1/queues/vh-sub", {});
    await call("PUT", "/v1/topics/vh-topic");
    const path = "/v1/topics/vh-topic/subscriptions/s";
    expect(await refused(call("PUT", path, { queue: "vh-sub", filter: { type: [] } }), "filter.type")).toBe(
      "filter.type: must be a non-empty list of strings",
    );
    expect(await refused(call("PUT", path, { queue: "vh-sub", filter: { type: 5 } }), "filter.type")).toContain(
      "must be a string or a non-empty list",
    );
    expect(await refused(call("PUT", path, { queue: "vh-sub", filter: [] }), "filter")).toContain("must be an object");
  });
});

describe("messages", () => {
  test("notBefore more than 90 days ahead is refused like delaySeconds; unparseable ones are named", async () => {
    const q = "/v1/queues/vh-msg";
    await call("PUT", q, {});
    expect(
      await refused(call("POST", `${q}/messages`, { body: 1, notBefore: "9999-01-01T00:00:00Z" }), "notBefore"),
    ).toContain("more than 90 days ahead");
    await refused(
      call("POST", `${q}/messages`, { messages: [{ body: 1 }, { body: 2, notBefore: "9999-01-01" }] }),
      "messages[1].notBefore",
    );
    expect(await refused(call("POST", `${q}/messages`, { body: 1, notBefore: "1" }), "notBefore")).toContain(
      "ISO 8601",
    );
    await refused(call("POST", `${q}/messages`, { body: 1, notBefore: "2026-01-31T12:00:00" }), "notBefore");
    const soon = new Date(Date.now() + 89 * 86_400_000).toISOString();
    expect((await call("POST", `${q}/messages`, { body: 1, notBefore: soon })).status).toBe(201);
    expect((await call("GET", q)).body.stats.delayed).toBe(1);
  });
});

describe("dead-letter cursor", () => {
  test("after=garbage is a 400 naming after, like after=-5; real cursors still page", async () => {
    const q = "/v1/queues/vh-dead";
    await call("PUT", q, { maxAttempts: 1 });
    await call("POST", `${q}/messages`, { messages: [{ body: 1 }, { body: 2 }, { body: 3 }] });
    const leased = (await call("POST", `${q}/receive`, { max: 3 })).body.messages;
    await call("POST", `${q}/nack`, { receipts: leased.map((m: { receipt: string }) => m.receipt) });

    for (const after of ["garbage", "-5", "zz", "1.0000"]) {
      expect(await refused(call("GET", `${q}/dead?after=${after}`), "after")).toContain(
        "not a cursor this broker issued",
      );
    }
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? "limit=2" : `limit=2&after=${encodeURIComponent(cursor)}`;
      const page = (await call("GET", `${q}/dead?${query}`)).body;
      seen.push(...page.messages.map((m: { body: unknown }) => m.body));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([1, 2, 3]);
  });
});

describe("text that no database column can hold", () => {
  test("U+0000 or a lone surrogate in groupId, dedupId or a nack error is a 400 naming the field", async () => {
    expect((await call("PUT", "/v1/queues/vh-texts", {})).status).toBe(201);
    for (const [field, value] of [
      ["groupId", "a\u0000b"],
      ["dedupId", "\u0000"],
      ["groupId", "x\uD800"],
      ["dedupId", "\uDC00y"],
    ] as const) {
      await refused(call("POST", "/v1/queues/vh-texts/messages", { body: 1, [field]: value }), field);
    }
    // A surrogate pair is one character, and fine.
    expect((await call("POST", "/v1/queues/vh-texts/messages", { body: 1, groupId: "g-\uD83D\uDE00" })).status).toBe(
      201,
    );
    const received = await call("POST", "/v1/queues/vh-texts/receive", { max: 1 });
    const receipt = (received.body as { messages: Array<{ receipt: string }> }).messages[0]!.receipt;
    await refused(call("POST", "/v1/queues/vh-texts/nack", { receipts: [receipt], error: "bad\u0000" }), "error");
  });
});
