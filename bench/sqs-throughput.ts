// SendMessage and ReceiveMessage+DeleteMessageBatch through the AWS JS SDK against the same work
// through the v1 API, in one run on one server (SQLite, in this process, auth off on loopback;
// the SDK still signs every request, as it does against AWS).
// Two more columns separate the SDK's client-side cost from the server's: sqsRawSend is the JSON
// protocol sent with plain fetch, sdkCeilingSend the SDK against a canned server that does
// nothing. Client and server share the machine's cores.
// Usage: bun bench/sqs-throughput.ts [--messages N] [--concurrency C] [--rounds R]
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { createHash } from "node:crypto";
import { startApp } from "../test/helpers/start-app.ts";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const MESSAGES = arg("--messages", 5000);
const CONCURRENCY = arg("--concurrency", 16);
const ROUNDS = arg("--rounds", 3);

const app = await startApp({ MILLRACE_SQS_LISTEN: "127.0.0.1:0", MILLRACE_LOG_LEVEL: "warn" });
const sqs = new SQSClient({
  endpoint: app.app.sqsUrl,
  region: "us-east-1",
  credentials: { accessKeyId: "MRAK0000000000000000", secretAccessKey: "bench-secret-not-checked-with-auth-none" },
});

async function v1(path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${app.url}${path}`, {
    method: path.startsWith("/v1/queues/") && !path.includes("/", 11) ? "PUT" : "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Runs `work` MESSAGES times over CONCURRENCY loops; messages per second. */
async function rate(work: () => Promise<number>): Promise<number> {
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (done < MESSAGES) {
        const n = await work();
        if (n === 0) break;
        done += n;
      }
    }),
  );
  return Math.round(done / ((performance.now() - start) / 1000));
}

const sqsUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "bench-sqs" }))).QueueUrl!;
await v1("/v1/queues/bench-v1", {});
await sqs.send(new CreateQueueCommand({ QueueName: "bench-raw" }));
const rawBody = JSON.stringify({ QueueUrl: `${app.app.sqsUrl}/000000000000/bench-raw`, MessageBody: '{"n":1}' });

const cannedAnswer = JSON.stringify({
  MD5OfMessageBody: createHash("md5").update('{"n":1}').digest("hex"),
  MessageId: "m",
});
const canned = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: () => new Response(cannedAnswer, { headers: { "content-type": "application/x-amz-json-1.0" } }),
});
const sdkOnly = new SQSClient({
  endpoint: canned.url.origin,
  region: "us-east-1",
  credentials: { accessKeyId: "MRAK0000000000000000", secretAccessKey: "unused" },
});

/** The SQS JSON protocol without the SDK (unsigned: auth is off), to tell the SDK's cost from the server's. */
async function rawSend(): Promise<number> {
  const response = await fetch(`${app.app.sqsUrl}/`, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS.SendMessage" },
    body: rawBody,
  });
  if (!response.ok) throw new Error(`raw SendMessage: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
  return 1;
}

type Measure = () => Promise<number>;
const measures: Record<string, Measure> = {
  // The SDK against a server that answers at once without doing anything: the client's own ceiling.
  sdkCeilingSend: () =>
    rate(async () => {
      await sdkOnly.send(
        new SendMessageCommand({ QueueUrl: `${canned.url.origin}/000000000000/q`, MessageBody: '{"n":1}' }),
      );
      return 1;
    }),
  sqsRawSend: () => rate(rawSend),
  sqsSend: () =>
    rate(async () => {
      await sqs.send(new SendMessageCommand({ QueueUrl: sqsUrl, MessageBody: '{"n":1}' }));
      return 1;
    }),
  v1Publish: () =>
    rate(async () => {
      await v1("/v1/queues/bench-v1/messages", { body: { n: 1 } });
      return 1;
    }),
  sqsReceiveDelete: () =>
    rate(async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: sqsUrl, MaxNumberOfMessages: 10 }),
      );
      if (Messages.length === 0) return 0;
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: sqsUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
      return Messages.length;
    }),
  v1ReceiveAck: () =>
    rate(async () => {
      const { messages } = (await v1("/v1/queues/bench-v1/receive", { max: 10 })) as {
        messages: { receipt: string }[];
      };
      if (messages.length === 0) return 0;
      await v1("/v1/queues/bench-v1/ack", { receipts: messages.map((m) => m.receipt) });
      return messages.length;
    }),
};

// Rounds alternate the protocols so that load from other processes on the machine falls on both
// alike; each figure is the median of its rounds. Each round sends MESSAGES and then drains them.
const rounds: Record<string, number[]> = {};
// Round 0 warms the JIT and the connection pools, and is not counted.
for (let round = 0; round <= ROUNDS; round++) {
  for (const [name, measure] of Object.entries(measures)) {
    const value = await measure();
    if (round > 0) (rounds[name] ??= []).push(value);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const results = Object.fromEntries(Object.entries(rounds).map(([name, values]) => [name, median(values)]));
console.log(
  JSON.stringify({ messages: MESSAGES, concurrency: CONCURRENCY, rounds, messagesPerSecond: results }, null, 2),
);
sqs.destroy();
sdkOnly.destroy();
await canned.stop(true);
await app.stop();
