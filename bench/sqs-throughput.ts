// SendMessage and ReceiveMessage+DeleteMessageBatch through the AWS JS SDK against the same work
// through the v1 API, in one run on one server (SQLite, in this process, auth off on loopback;
// the SDK still signs every request, as it does against AWS).
// The sqsRawSend column is the JSON protocol sent with plain fetch, to separate the SDK's client-side
// cost from the server's. Client and server share the machine's cores.
// Usage: bun bench/sqs-throughput.ts [--messages N] [--concurrency C]
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { startApp } from "../test/helpers/start-app.ts";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const MESSAGES = arg("--messages", 5000);
const CONCURRENCY = arg("--concurrency", 16);

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

const results = {
  sqsRawSend: await rate(rawSend),
  sqsSend: await rate(async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: sqsUrl, MessageBody: '{"n":1}' }));
    return 1;
  }),
  v1Publish: await rate(async () => {
    await v1("/v1/queues/bench-v1/messages", { body: { n: 1 } });
    return 1;
  }),
  sqsReceiveDelete: await rate(async () => {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: sqsUrl, MaxNumberOfMessages: 10 }));
    if (Messages.length === 0) return 0;
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: sqsUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
    return Messages.length;
  }),
  v1ReceiveAck: await rate(async () => {
    const { messages } = (await v1("/v1/queues/bench-v1/receive", { max: 10 })) as { messages: { receipt: string }[] };
    if (messages.length === 0) return 0;
    await v1("/v1/queues/bench-v1/ack", { receipts: messages.map((m) => m.receipt) });
    return messages.length;
  }),
};
console.log(JSON.stringify({ messages: MESSAGES, concurrency: CONCURRENCY, messagesPerSecond: results }, null, 2));
sqs.destroy();
await app.stop();
