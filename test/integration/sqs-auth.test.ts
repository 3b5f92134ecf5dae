import { afterAll, beforeAll, expect, test } from "bun:test";
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { appendFileSync } from "node:fs";
import { generateAccessKey } from "../../src/auth/access-key-format.ts";
import { signForTest } from "../../src/sqs/sigv4.ts";
import { startSqsApp, type SqsApp } from "../helpers/sqs.ts";
import { startApp } from "../helpers/start-app.ts";

/** What a promise rejected with, or "resolved" when it did not: for asserting on SDK exceptions. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => "resolved",
    (error: unknown) => error,
  );
}

// SigV4 and per-action authorisation on the SQS listener, including the ways around them one
// might try: unsigned, wrongly signed, replayed late, signed for another service, a body swapped
// under a signature, and queue names spelled so a pattern check might read them differently.

let app: SqsApp;
beforeAll(async () => {
  app = await startSqsApp("sqlite", {
    producer: { scopes: ["publish"], queues: ["orders-*"] },
    consumer: { scopes: ["consume"], queues: ["orders-*"] },
  });
  const admin = app.client();
  for (const name of ["orders-eu", "billing"]) await admin.send(new CreateQueueCommand({ QueueName: name }));
  admin.destroy();
});
afterAll(async () => {
  await app?.stop();
});

async function raw(
  body: string,
  options: {
    key?: { accessKeyId: string; secret: string };
    path?: string;
    now?: number;
    service?: string;
    sign?: boolean;
    tamper?: (headers: Record<string, string>) => string;
  } = {},
) {
  const path = options.path ?? "/";
  const host = new URL(app.sqsUrl).host;
  const base = { "content-type": "application/x-www-form-urlencoded", host };
  const key = options.key ?? { accessKeyId: app.keys.admin!.accessKeyId, secret: app.keys.admin!.secretAccessKey };
  let headers: Record<string, string> = base;
  if (options.sign !== false) {
    headers = signForTest(
      { method: "POST", rawPath: path, rawQuery: "", headers: base, body: Buffer.from(body) },
      key,
      {
        now: options.now ?? Date.now(),
        ...(options.service ? { service: options.service } : {}),
      },
    );
  }
  const sent = options.tamper ? options.tamper(headers) : body;
  const response = await fetch(`${app.sqsUrl}${path}`, { method: "POST", headers, body: sent });
  const text = await response.text();
  return { status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? null, text };
}

const SEND = `Action=SendMessage&QueueUrl=${encodeURIComponent("http://x/000000000000/orders-eu")}&MessageBody=hi`;

test("a correctly signed query request is served", async () => {
  const ok = await raw(SEND);
  expect(ok.status).toBe(200);
  expect(ok.text).toContain("<MessageId>");
});

test("unsigned, malformed, wrongly signed, unknown keys, other services and stale dates are refused", async () => {
  expect((await raw(SEND, { sign: false })).code).toBe("MissingAuthenticationToken");
  const wrongSecret = { accessKeyId: app.keys.admin!.accessKeyId, secret: "x".repeat(40) };
  expect((await raw(SEND, { key: wrongSecret })).code).toBe("SignatureDoesNotMatch");
  expect((await raw(SEND, { key: { accessKeyId: "MRAK0000000000000000", secret: "x".repeat(40) } })).code).toBe(
    "InvalidClientTokenId",
  );
  expect((await raw(SEND, { service: "sns" })).code).toBe("SignatureDoesNotMatch");
  const stale = await raw(SEND, { now: Date.now() - 16 * 60 * 1000 });
  expect([stale.status, stale.code]).toEqual([400, "RequestExpired"]);
  const future = await raw(SEND, { now: Date.now() + 16 * 60 * 1000 });
  expect(future.code).toBe("RequestExpired");
  // The signature covers the body: the same headers with another body do not pass.
  const swapped = await raw(SEND, { tamper: () => SEND.replace("orders-eu", "billing") });
  expect(swapped.code).toBe("SignatureDoesNotMatch");
  const malformed = await fetch(`${app.sqsUrl}/`, {
    method: "POST",
    headers: { authorization: "AWS4-HMAC-SHA256 nonsense", "content-type": "application/x-www-form-urlencoded" },
    body: SEND,
  });
  expect(await malformed.text()).toContain("<Code>IncompleteSignature</Code>");
});

test("a region other than the client's default is accepted: it is bound into the signature", async () => {
  const client = new SQSClient({ endpoint: app.sqsUrl, region: "eu-west-3", credentials: app.keys.producer! });
  const sent = await client.send(
    new SendMessageCommand({ QueueUrl: `${app.sqsUrl}/000000000000/orders-eu`, MessageBody: "x" }),
  );
  expect(sent.MessageId).toBeTruthy();
  client.destroy();
});

test("scopes per action: publish may send, not receive or create; consume may receive, not send", async () => {
  const producer = app.client("producer");
  const consumer = app.client("consumer");
  const url = `${app.sqsUrl}/000000000000/orders-eu`;
  await producer.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "p" }));
  expect(await failure(producer.send(new ReceiveMessageCommand({ QueueUrl: url })))).toMatchObject({
    name: "AccessDenied",
  });
  expect(await failure(producer.send(new CreateQueueCommand({ QueueName: "orders-new" })))).toMatchObject({
    name: "AccessDenied",
  });
  expect(await failure(consumer.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "c" })))).toMatchObject({
    name: "AccessDenied",
  });
  const got = await consumer.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
  expect(got.Messages!.length).toBeGreaterThan(0);
  producer.destroy();
  consumer.destroy();
});

test("queue patterns hold however the queue is spelled: other URLs, encodings, dot segments, path vs QueueUrl", async () => {
  const producer = { accessKeyId: app.keys.producer!.accessKeyId, secret: app.keys.producer!.secretAccessKey };
  const send = (queueUrl: string) => `Action=SendMessage&QueueUrl=${encodeURIComponent(queueUrl)}&MessageBody=x`;
  expect((await raw(send("http://x/000000000000/billing"), { key: producer })).code).toBe("AccessDenied");
  for (const spelling of [
    "http://x/000000000000/orders-eu/../billing",
    "http://x/000000000000/orders-eu%2F..%2Fbilling",
    "http://x/000000000000/%62illing",
    "http://x/000000000000/orders-eu/billing",
    "http://x/000000000000/billing?orders-eu",
    "http://x/111111111111/orders-eu",
  ]) {
    const result = await raw(send(spelling), { key: producer });
    expect([spelling, result.code]).not.toEqual([spelling, null]);
    expect(result.status).not.toBe(200);
  }
  // Sent to one queue's URL while QueueUrl names another: refused, whichever one is allowed.
  const mismatch = await raw(send("http://x/000000000000/billing"), { key: producer, path: "/000000000000/orders-eu" });
  expect(mismatch.code).toBe("InvalidParameterValue");
  const other = await raw(send("http://x/000000000000/orders-eu"), { key: producer, path: "/000000000000/billing" });
  expect(other.code).toBe("InvalidParameterValue");
  // The path alone names the queue when QueueUrl is absent; the pattern still applies to it.
  const byPath = await raw("Action=SendMessage&MessageBody=x", { key: producer, path: "/000000000000/billing" });
  expect(byPath.code).toBe("AccessDenied");
  const allowed = await raw("Action=SendMessage&MessageBody=x", { key: producer, path: "/000000000000/orders-eu" });
  expect(allowed.status).toBe(200);
});

test("without authentication (loopback only) requests are served unsigned; with auth none on a public address the config is refused", async () => {
  const open = await startApp({ MILLRACE_SQS_LISTEN: "127.0.0.1:0" });
  try {
    const response = await fetch(`${open.app.sqsUrl}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=CreateQueue&QueueName=anon",
    });
    expect(await response.text()).toContain("/000000000000/anon</QueueUrl>");
  } finally {
    await open.stop();
  }
  expect(String(await failure(startApp({ MILLRACE_SQS_LISTEN: "0.0.0.0:0" })))).toContain("MILLRACE_SQS_LISTEN");
});

test("access keys added to the keys file work after a reload, like API keys", async () => {
  const added = generateAccessKey(["admin"], ["*"], "late");
  const key = { accessKeyId: added.accessKeyId, secret: added.secret };
  expect((await raw("Action=ListQueues", { key })).code).toBe("InvalidClientTokenId");
  appendFileSync(app.keysFile, `${added.line}\n`);
  await app.running.app.reload();
  const after = await raw("Action=ListQueues", { key });
  expect(after.status).toBe(200);
  expect(after.text).toContain("<QueueUrl>");
});
