import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { startReceiver, type WebhookReceiver } from "../../test/helpers/webhook-receiver.ts";
import { createWebhookSender } from "./sender.ts";
import { secretKey, sign, signatureHeader } from "./signature.ts";

const CURRENT = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PREVIOUS = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/** What a receiver does: verify with the independent standardwebhooks package, answer 401 if that fails. */
function verifyingReceiver(secret: string): WebhookReceiver {
  const webhook = new Webhook(secret);
  return startReceiver({
    respond: (got) => {
      try {
        webhook.verify(got.body, got.headers);
        return new Response("verified");
      } catch (error) {
        return new Response((error as Error).message, { status: 401 });
      }
    },
  });
}

describe("Standard Webhooks signatures", () => {
  let current: WebhookReceiver;
  let previous: WebhookReceiver;
  let stranger: WebhookReceiver;
  beforeAll(() => {
    current = verifyingReceiver(CURRENT);
    previous = verifyingReceiver(PREVIOUS);
    stranger = verifyingReceiver("whsec_" + Buffer.from("another key of 24 bytes!").toString("base64"));
  });
  afterAll(async () => {
    await Promise.all([current.stop(), previous.stop(), stranger.stop()]);
  });

  test("a receiver verifies what the sender signs, with either secret during a rotation", async () => {
    const webhooks = createWebhookSender({ allowCidrs: "127.0.0.1/32" });
    const body = JSON.stringify({ id: "msg_01", body: { text: "naïve café ✓" } });
    const send = (url: string, secrets: string[]) =>
      webhooks.send({ url, messageId: "msg_01", body, secrets, timeoutMs: 10_000 });
    try {
      expect(await send(`${current.origin}/`, [CURRENT])).toMatchObject({ status: 200, responseExcerpt: "verified" });
      expect(await send(`${current.origin}/`, [CURRENT, PREVIOUS])).toMatchObject({ status: 200 });
      expect(await send(`${previous.origin}/`, [CURRENT, PREVIOUS])).toMatchObject({ status: 200 });
      expect(await send(`${previous.origin}/`, [CURRENT])).toMatchObject({ status: 401 });
      expect(await send(`${stranger.origin}/`, [CURRENT, PREVIOUS])).toMatchObject({ status: 401 });
      expect(current.requests[1]!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    } finally {
      webhooks.close();
    }
  });

  test("the signature covers id, timestamp and body: changing any one fails verification", () => {
    const webhook = new Webhook(CURRENT);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = (id: string, ts: number, signature: string) => ({
      "webhook-id": id,
      "webhook-timestamp": String(ts),
      "webhook-signature": signature,
    });
    const signature = sign(CURRENT, "msg_1", timestamp, '{"a":1}');
    expect(signature).toBe(webhook.sign("msg_1", new Date(timestamp * 1000), '{"a":1}'));
    expect(() => webhook.verify('{"a":1}', headers("msg_1", timestamp, signature))).not.toThrow();
    expect(() => webhook.verify('{"a":2}', headers("msg_1", timestamp, signature))).toThrow();
    expect(() => webhook.verify('{"a":1}', headers("msg_2", timestamp, signature))).toThrow();
    expect(() => webhook.verify('{"a":1}', headers("msg_1", timestamp + 1, signature))).toThrow();
    expect(signatureHeader([CURRENT, PREVIOUS], "msg_1", timestamp, "{}").split(" ")).toEqual([
      sign(CURRENT, "msg_1", timestamp, "{}"),
      sign(PREVIOUS, "msg_1", timestamp, "{}"),
    ]);
  });

  test("a secret must be whsec_ and base64", () => {
    expect(secretKey("whsec_" + Buffer.from("0123456789abcdef").toString("base64")).toString()).toBe(
      "0123456789abcdef",
    );
    expect(() => secretKey("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toThrow("whsec_");
    expect(() => secretKey("whsec_not base64!")).toThrow("whsec_");
  });
});
