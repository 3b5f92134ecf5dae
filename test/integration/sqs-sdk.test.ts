import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  StartMessageMoveTaskCommand,
  TagQueueCommand,
  UntagQueueCommand,
  BatchEntryIdsNotDistinct,
  TooManyEntriesInBatchRequest,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Server } from "bun";
import { startSqsApp, type Driver, type SqsApp } from "../helpers/sqs.ts";

/** What a promise rejected with, or "resolved" when it did not: for asserting on SDK exceptions. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => "resolved",
    (error: unknown) => error,
  );
}

// The AWS SDK for JavaScript v3 in its default configuration (MD5 checks on) against a real
// server, on both drivers: every action the SQS layer answers.

for (const driver of ["sqlite", "postgres"] as Driver[]) {
  describe(`SQS via the JS SDK on ${driver}`, () => {
    let app: SqsApp;
    let sqs: SQSClient;
    const v1 = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${app.running.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${app.apiKey}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json() };
    };
    const create = async (name: string, Attributes?: Record<string, string>) =>
      (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes }))).QueueUrl!;

    beforeAll(async () => {
      app = await startSqsApp(driver);
      sqs = app.client();
    });
    afterAll(async () => {
      sqs?.destroy();
      await app?.stop();
    });

    test("queues: create (idempotent, conflicting attributes refused), get URL, list with prefix and paging, delete", async () => {
      const url = await create("jobs-a", { VisibilityTimeout: "45" });
      expect(url).toBe(`${app.sqsUrl}/000000000000/jobs-a`);
      expect(await create("jobs-a", { VisibilityTimeout: "45" })).toBe(url);
      expect(
        await failure(
          sqs.send(new CreateQueueCommand({ QueueName: "jobs-a", Attributes: { VisibilityTimeout: "46" } })),
        ),
      ).toBeInstanceOf(QueueNameExists);
      await create("jobs-b");
      await create("jobs-c");
      await create("other");
      expect((await sqs.send(new GetQueueUrlCommand({ QueueName: "jobs-b" }))).QueueUrl).toBe(
        `${app.sqsUrl}/000000000000/jobs-b`,
      );
      expect(await failure(sqs.send(new GetQueueUrlCommand({ QueueName: "nope" })))).toBeInstanceOf(QueueDoesNotExist);
      const all = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "jobs-" }));
      expect(all.QueueUrls!.map((u) => u.split("/").pop())).toEqual(["jobs-a", "jobs-b", "jobs-c"]);
      const first = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "jobs-", MaxResults: 2 }));
      expect(first.QueueUrls!.length).toBe(2);
      const second = await sqs.send(
        new ListQueuesCommand({ QueueNamePrefix: "jobs-", MaxResults: 2, NextToken: first.NextToken }),
      );
      expect(second.QueueUrls!.map((u) => u.split("/").pop())).toEqual(["jobs-c"]);
      expect(second.NextToken).toBeUndefined();
      await sqs.send(new DeleteQueueCommand({ QueueUrl: `${app.sqsUrl}/000000000000/jobs-c` }));
      expect(await failure(sqs.send(new GetQueueUrlCommand({ QueueName: "jobs-c" })))).toBeInstanceOf(
        QueueDoesNotExist,
      );
      // The same queues through /v1.
      expect((await v1("GET", "/v1/queues/jobs-a")).body.settings.visibilityTimeoutSeconds).toBe(45);
    });

    test("attributes: get and set map onto queue settings; counts come from the queue's stats", async () => {
      const url = await create("attrs", { DelaySeconds: "0", MessageRetentionPeriod: "3600" });
      await sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: url,
          Attributes: { VisibilityTimeout: "120", ReceiveMessageWaitTimeSeconds: "2", MaximumMessageSize: "2048" },
        }),
      );
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "one" }));
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "later", DelaySeconds: 600 }));
      const { Attributes: a } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }),
      );
      expect(a).toMatchObject({
        QueueArn: "arn:aws:sqs:us-east-1:000000000000:attrs",
        VisibilityTimeout: "120",
        ReceiveMessageWaitTimeSeconds: "2",
        MaximumMessageSize: "2048",
        MessageRetentionPeriod: "3600",
        DelaySeconds: "0",
        ApproximateNumberOfMessages: "1",
        ApproximateNumberOfMessagesDelayed: "1",
        ApproximateNumberOfMessagesNotVisible: "0",
      });
      expect(a!.RedrivePolicy).toBeUndefined();
      const settings = (await v1("GET", "/v1/queues/attrs")).body.settings;
      expect(settings).toMatchObject({ visibilityTimeoutSeconds: 120, retentionSeconds: 3600, maxAttempts: 1000 });
      expect(settings.sqs).toBeUndefined();
      const tooBig = sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x".repeat(2049) }));
      expect(await failure(tooBig)).toMatchObject({ name: "InvalidParameterValue" });
      const bad = sqs.send(
        new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: "50000" } }),
      );
      expect(await failure(bad)).toMatchObject({ name: "InvalidAttributeValue" });
      const unknown = sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["Bogus" as never] }));
      expect(await failure(unknown)).toMatchObject({ name: "InvalidAttributeName" });
    });

    test("tags: tag, list, untag", async () => {
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: "tagged", tags: { team: "a" } }))).QueueUrl!;
      await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { env: "prod", tier: "1" } }));
      expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags).toEqual({
        team: "a",
        env: "prod",
        tier: "1",
      });
      await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ["tier", "team"] }));
      expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags).toEqual({ env: "prod" });
    });

    test("messages: send with attributes, receive with MD5s and system attributes, delete, change visibility", async () => {
      const url = await create("msgs");
      const sent = await sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: "héllo ✓ \r\n",
          MessageAttributes: {
            kind: { DataType: "String", StringValue: "order" },
            amount: { DataType: "Number", StringValue: "12.50" },
            blob: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 254]) },
            custom: { DataType: "String.json", StringValue: '{"a":1}' },
            ["__proto__"]: { DataType: "String", StringValue: "an ordinary name to SQS" },
          },
          MessageSystemAttributes: {
            AWSTraceHeader: { DataType: "String", StringValue: "Root=1-5759e988-bd862e3fe1be46a994272793" },
          },
        }),
      );
      expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
      expect(sent.MD5OfMessageSystemAttributes).toMatch(/^[0-9a-f]{32}$/);
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MessageAttributeNames: ["All"],
          MessageSystemAttributeNames: ["All"],
          VisibilityTimeout: 60,
        }),
      );
      expect(Messages!.length).toBe(1);
      const m = Messages![0]!;
      expect(m.Body).toBe("héllo ✓ \r\n");
      expect(m.MessageId).toBe(sent.MessageId);
      expect(m.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
      expect(m.MessageAttributes!.blob!.BinaryValue).toEqual(new Uint8Array([0, 1, 254]));
      expect(m.MessageAttributes!.amount).toEqual({ DataType: "Number", StringValue: "12.50" });
      expect(Object.keys(m.MessageAttributes!).sort()).toEqual(["__proto__", "amount", "blob", "custom", "kind"]);
      expect(m.Attributes!.ApproximateReceiveCount).toBe("1");
      expect(m.Attributes!.AWSTraceHeader).toBe("Root=1-5759e988-bd862e3fe1be46a994272793");
      expect(Number(m.Attributes!.SentTimestamp)).toBeGreaterThan(0);
      // Only what was asked for comes back.
      await sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }),
      );
      const again = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ["kind", "amount", "custom.*"] }),
      );
      const m2 = again.Messages![0]!;
      expect(Object.keys(m2.MessageAttributes!).sort()).toEqual(["amount", "kind"]);
      expect(m2.Attributes).toBeUndefined();
      // The first receipt is fenced off.
      expect(
        await failure(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }))),
      ).toBeInstanceOf(ReceiptHandleIsInvalid);
      await sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m2.ReceiptHandle, VisibilityTimeout: 300 }),
      );
      expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? []).toEqual([]);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m2.ReceiptHandle }));
      expect(
        await failure(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: "garbage" }))),
      ).toBeInstanceOf(ReceiptHandleIsInvalid);
      expect((await v1("GET", "/v1/queues/msgs")).body.stats).toMatchObject({ ready: 0, leased: 0 });
      const missing = `${app.sqsUrl}/000000000000/never-made`;
      expect(
        await failure(sqs.send(new ReceiveMessageCommand({ QueueUrl: missing, WaitTimeSeconds: 1 }))),
      ).toBeInstanceOf(QueueDoesNotExist);
      expect(
        await failure(sqs.send(new DeleteMessageCommand({ QueueUrl: missing, ReceiptHandle: m2.ReceiptHandle }))),
      ).toBeInstanceOf(QueueDoesNotExist);
      expect(
        await failure(
          sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: missing,
              Entries: [{ Id: "1", ReceiptHandle: m2.ReceiptHandle }],
            }),
          ),
        ),
      ).toBeInstanceOf(QueueDoesNotExist);
    });

    test("batches: per-entry results and partial failures; batch-level errors", async () => {
      const url = await create("batches", { MaximumMessageSize: "1024" });
      const sent = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: "a", MessageBody: "first" },
            { Id: "b", MessageBody: "x".repeat(2000) },
            { Id: "c", MessageBody: "third", MessageAttributes: { n: { DataType: "Number", StringValue: "nan" } } },
            { Id: "d", MessageBody: "fourth" },
          ],
        }),
      );
      expect(sent.Successful!.map((s) => s.Id)).toEqual(["a", "d"]);
      expect(sent.Failed!.map((f) => [f.Id, f.Code, f.SenderFault])).toEqual([
        ["b", "InvalidParameterValue", true],
        ["c", "InvalidParameterValue", true],
      ]);
      expect(
        await failure(
          sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: url,
              Entries: [
                { Id: "x", MessageBody: "1" },
                { Id: "x", MessageBody: "2" },
              ],
            }),
          ),
        ),
      ).toBeInstanceOf(BatchEntryIdsNotDistinct);
      const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: "m" }));
      expect(await failure(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: eleven })))).toBeInstanceOf(
        TooManyEntriesInBatchRequest,
      );
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
      expect(Messages!.map((m) => m.Body).sort()).toEqual(["first", "fourth"]);
      const changed = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: "1", ReceiptHandle: Messages![0]!.ReceiptHandle, VisibilityTimeout: 100 },
            { Id: "2", ReceiptHandle: "r2.bogus", VisibilityTimeout: 100 },
          ],
        }),
      );
      expect(changed.Successful!.map((s) => s.Id)).toEqual(["1"]);
      expect(changed.Failed!.map((f) => [f.Id, f.Code])).toEqual([["2", "ReceiptHandleIsInvalid"]]);
      const deleted = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: "1", ReceiptHandle: Messages![0]!.ReceiptHandle },
            { Id: "2", ReceiptHandle: Messages![1]!.ReceiptHandle },
            { Id: "3", ReceiptHandle: Messages![1]!.ReceiptHandle },
          ],
        }),
      );
      expect(deleted.Successful!.map((s) => s.Id).sort()).toEqual(["1", "2"]);
      expect(deleted.Failed!.map((f) => [f.Id, f.Code])).toEqual([["3", "ReceiptHandleIsInvalid"]]);
    });

    test("long-polling: a waiting ReceiveMessage is woken by a publish", async () => {
      const url = await create("waiting");
      const listener = (app.running.app as unknown as { http: { sqs: Server<unknown> } }).http.sqs;
      const before = listener.pendingRequests;
      const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
      // Publish once the listener holds the receive, so the waiting receive is the one answered.
      while (listener.pendingRequests <= before) await Bun.sleep(5);
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "wake" }));
      const { Messages } = await waiting;
      expect(Messages!.map((m) => m.Body)).toEqual(["wake"]);
    });

    test("FIFO: group order, explicit and content-based deduplication", async () => {
      expect(await failure(create("plain", { FifoQueue: "true" }))).toMatchObject({ name: "InvalidAttributeValue" });
      const url = await create("orders.fifo", { FifoQueue: "true", ContentBasedDeduplication: "true" });
      for (const [group, body] of [
        ["g1", "1"],
        ["g2", "a"],
        ["g1", "2"],
        ["g1", "3"],
      ] as const) {
        await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageGroupId: group }));
      }
      const dup = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "1", MessageGroupId: "g1" }));
      const explicit1 = await sqs.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: "x", MessageGroupId: "g3", MessageDeduplicationId: "k" }),
      );
      const explicit2 = await sqs.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: "y", MessageGroupId: "g3", MessageDeduplicationId: "k" }),
      );
      expect(explicit2.MessageId).toBe(explicit1.MessageId);
      expect(dup.SequenceNumber).toMatch(/^\d{20}$/);
      expect(await failure(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "z" })))).toMatchObject({
        name: "MissingParameter",
      });
      const seen: string[] = [];
      for (;;) {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: 10,
            MessageSystemAttributeNames: ["MessageGroupId"],
          }),
        );
        if (!Messages || Messages.length === 0) break;
        for (const m of Messages) {
          seen.push(`${m.Attributes!.MessageGroupId}:${m.Body}`);
          await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
        }
      }
      expect(seen.filter((s) => s.startsWith("g1"))).toEqual(["g1:1", "g1:2", "g1:3"]);
      expect(seen.sort()).toEqual(["g1:1", "g1:2", "g1:3", "g2:a", "g3:x"]);
      const noDedup = await create("nodedup.fifo", { FifoQueue: "true" });
      expect(
        await failure(sqs.send(new SendMessageCommand({ QueueUrl: noDedup, MessageBody: "z", MessageGroupId: "g" }))),
      ).toMatchObject({ name: "InvalidParameterValue" });
    });

    test("dead letters: RedrivePolicy, ListDeadLetterSourceQueues, StartMessageMoveTask, ListMessageMoveTasks; purge", async () => {
      const dlq = await create("work-dlq");
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ["QueueArn"] }),
      );
      const policy = JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: 1 });
      const url = await create("work", { RedrivePolicy: policy });
      expect((await v1("GET", "/v1/queues/work")).body.settings.maxAttempts).toBe(1);
      expect((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }))).queueUrls).toEqual([url]);
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: "poison",
          MessageAttributes: { kind: { DataType: "String", StringValue: "bad" } },
        }),
      );
      const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: first.Messages![0]!.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
      // Past maxReceiveCount it dead-letters, and is handed to the named dead-letter queue.
      let dead: Message | undefined;
      while (!dead) {
        const got = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: dlq, WaitTimeSeconds: 20, MessageAttributeNames: ["All"] }),
        );
        dead = got.Messages?.[0];
      }
      expect(dead.Body).toBe("poison");
      expect(dead.MessageAttributes).toEqual({ kind: { DataType: "String", StringValue: "bad" } });
      expect((await v1("GET", "/v1/queues/work/dead")).body.messages).toEqual([]);
      await sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: dlq, ReceiptHandle: dead.ReceiptHandle, VisibilityTimeout: 0 }),
      );
      const task = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: Attributes!.QueueArn }));
      expect(task.TaskHandle).toBeTruthy();
      const tasks = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: Attributes!.QueueArn }));
      expect(tasks.Results![0]).toMatchObject({ Status: "COMPLETED", ApproximateNumberOfMessagesMoved: 1 });
      // Back in its source queue with its headers as they were, and gone from the dead-letter queue.
      const back = await v1("POST", "/v1/queues/work/receive", { max: 10 });
      expect(back.body.messages.map((m: { body: string; headers: object }) => [m.body, m.headers])).toEqual([
        ["poison", { kind: "bad" }],
      ]);
      const left = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ["All"] }));
      expect(left.Attributes).toMatchObject({
        ApproximateNumberOfMessages: "0",
        ApproximateNumberOfMessagesNotVisible: "0",
      });
      await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
      const after = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      expect(after.Attributes).toEqual({
        ApproximateNumberOfMessages: "0",
        ApproximateNumberOfMessagesNotVisible: "0",
      });
    });

    test("interop: SQS sends reach /v1 receivers with attributes as headers, and /v1 publishes reach SQS receivers", async () => {
      const url = await create("shared");
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: "from sqs",
          MessageAttributes: {
            type: { DataType: "String", StringValue: "order.created" },
            n: { DataType: "Number", StringValue: "7" },
          },
        }),
      );
      const received = await v1("POST", "/v1/queues/shared/receive", { max: 10 });
      expect(received.body.messages[0].body).toBe("from sqs");
      expect(received.body.messages[0].headers).toEqual({
        type: "order.created",
        n: "7",
        "sqs-types": '{"n":"Number"}',
      });
      expect(
        (await v1("POST", "/v1/queues/shared/ack", { receipts: [received.body.messages[0].receipt] })).status,
      ).toBe(200);
      await v1("POST", "/v1/queues/shared/messages", { body: { order: 42 }, headers: { type: "order.paid" } });
      await v1("POST", "/v1/queues/shared/messages", { body: "plain text" });
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"] }),
      );
      const bodies = Messages!.map((m) => m.Body).sort();
      expect(bodies).toEqual(["plain text", '{"order":42}']);
      const paid = Messages!.find((m) => m.Body === '{"order":42}')!;
      expect(paid.MessageAttributes).toEqual({ type: { DataType: "String", StringValue: "order.paid" } });
      // A receipt from SQS settles through /v1 too: one lease, two protocols.
      const ack = await v1("POST", "/v1/queues/shared/ack", { receipts: Messages!.map((m) => m.ReceiptHandle) });
      expect(ack.body.results.map((r: { result: string }) => r.result)).toEqual(["ok", "ok"]);
    });
  });
}
