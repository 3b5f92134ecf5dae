import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { client, startApp, type RunningApp } from "../helpers/start-app.ts";

// Receipts over HTTP: a receipt cannot be guessed by counting, and one malformed receipt in a
// batch answers `invalid_receipt` while the good ones are settled.

let server: RunningApp;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  server = await startApp();
  call = client(server.url);
});
afterAll(async () => server.stop());

async function queueWith(name: string, count: number): Promise<Array<{ id: string; receipt: string }>> {
  expect((await call("PUT", `/v1/queues/${name}`, {})).status).toBe(201);
  const bodies = Array.from({ length: count }, (_, index) => ({ body: index }));
  expect((await call("POST", `/v1/queues/${name}/messages`, { messages: bodies })).status).toBe(201);
  const received = await call("POST", `/v1/queues/${name}/receive`, { max: count, visibilityTimeoutSeconds: 300 });
  expect(received.body.messages).toHaveLength(count);
  return received.body.messages as Array<{ id: string; receipt: string }>;
}

function results(response: { body: { results: Array<{ result: string }> } }): string[] {
  return response.body.results.map((r) => r.result);
}

describe("receipts", () => {
  test("a receipt built from the message's sequence and generation settles nothing", async () => {
    const [leased] = await queueWith("guessing", 1);
    const [, seq, generation] = leased!.receipt.split(".");
    // What a receipt used to be (r1.<seq>.<generation>), and the current form with a guessed token.
    const counted = `r1.${seq}.${generation}`;
    const guessed = `r2.${seq}.${generation}.${randomBytes(16).toString("base64url")}`;
    expect(results(await call("POST", "/v1/queues/guessing/ack", { receipts: [counted, guessed] }))).toEqual([
      "invalid_receipt",
      "lease_lost",
    ]);
    expect(
      results(await call("POST", "/v1/queues/guessing/nack", { receipts: [counted, guessed], delaySeconds: 0 })),
    ).toEqual(["invalid_receipt", "lease_lost"]);
    const state = await call("GET", `/v1/queues/guessing/messages/${leased!.id}`);
    expect(state.body).toMatchObject({ state: "leased", attempts: 1 });
    expect(results(await call("POST", "/v1/queues/guessing/ack", { receipts: [leased!.receipt] }))).toEqual(["ok"]);
  });

  test("one malformed receipt in an ack batch answers invalid_receipt, and the good ones are acked", async () => {
    const leased = await queueWith("mixed-ack", 2);
    const response = await call("POST", "/v1/queues/mixed-ack/ack", {
      receipts: [leased[0]!.receipt, "not-a-receipt", leased[1]!.receipt],
    });
    expect(response.status).toBe(200);
    expect(response.body.results).toEqual([
      { receipt: leased[0]!.receipt, result: "ok" },
      { receipt: "not-a-receipt", result: "invalid_receipt" },
      { receipt: leased[1]!.receipt, result: "ok" },
    ]);
    for (const message of leased) {
      expect((await call("GET", `/v1/queues/mixed-ack/messages/${message.id}`)).status).toBe(404);
    }
  });

  test("nack and extend answer per receipt too", async () => {
    const leased = await queueWith("mixed-nack", 2);
    const extended = await call("POST", "/v1/queues/mixed-nack/extend", {
      receipts: ["r9.x", leased[0]!.receipt],
      visibilityTimeoutSeconds: 600,
    });
    expect(results(extended)).toEqual(["invalid_receipt", "ok"]);
    const nacked = await call("POST", "/v1/queues/mixed-nack/nack", {
      receipts: [leased[1]!.receipt, ""],
      delaySeconds: 0,
    });
    expect(results(nacked)).toEqual(["ok", "invalid_receipt"]);
    expect((await call("GET", `/v1/queues/mixed-nack/messages/${leased[1]!.id}`)).body.state).toBe("ready");
    const first = await call("GET", `/v1/queues/mixed-nack/messages/${leased[0]!.id}`);
    expect(first.body.state).toBe("leased");
    expect(Date.parse(first.body.leaseExpiresAt as string) - Date.now()).toBeGreaterThan(300_000);
  });
});
