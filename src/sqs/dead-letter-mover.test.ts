import { afterAll, beforeAll, expect, test } from "bun:test";
import { Broker } from "../broker/broker.ts";
import { openTestStore } from "../../test/helpers/test-store.ts";
import { moveDeadLetters } from "./dead-letter-mover.ts";
import { patchFromAttributes } from "./queue-attributes.ts";
import { queueArn } from "./queue-url.ts";

// The mover on a real store (the driver MILLRACE_TEST_STORE picks), run by hand instead of on its timer.

let broker: Broker;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  const opened = await openTestStore();
  broker = new Broker(opened.store);
  cleanup = opened.cleanup;
});
afterAll(async () => cleanup());

async function sqsQueue(name: string, attributes: Record<string, string> = {}): Promise<void> {
  await broker.putQueue(name, patchFromAttributes(name, attributes, null, true));
}

async function killOne(
  queue: string,
  body: string,
  extra: { groupId?: string; dedupId?: string } = {},
): Promise<string> {
  const [published] = await broker.publish(queue, [{ body, headers: { kind: "k" }, ...extra }], null);
  const [leased] = await broker.receive(queue, { max: 1, waitSeconds: 0 });
  await broker.nack(queue, [leased!.receipt], 0, "failed");
  return published!.id;
}

const policy = (target: string) =>
  JSON.stringify({ deadLetterTargetArn: queueArn("us-east-1", target), maxReceiveCount: 1 });

test("dead letters move to the named queue once, with their headers and their source", async () => {
  await sqsQueue("m-dlq");
  await sqsQueue("m-work", { RedrivePolicy: policy("m-dlq") });
  await killOne("m-work", "a");
  expect(await moveDeadLetters(broker)).toBe(1);
  expect(await moveDeadLetters(broker)).toBe(0);
  expect((await broker.listDead("m-work", null, 10)).messages).toEqual([]);
  const moved = await broker.receive("m-dlq", { max: 10, waitSeconds: 0 });
  expect(moved.map((m) => [JSON.parse(m.body), JSON.parse(m.headers!)])).toEqual([
    ["a", { kind: "k", "sqs-dead-letter-source": "m-work" }],
  ]);
});

test("with a target that does not exist, dead letters stay where they are", async () => {
  await sqsQueue("m-orphan", { RedrivePolicy: policy("m-nowhere") });
  const id = await killOne("m-orphan", "b");
  expect(await moveDeadLetters(broker)).toBe(0);
  expect((await broker.listDead("m-orphan", null, 10)).messages.map((m) => m.id)).toEqual([id]);
});

test("a FIFO dead-letter queue gets them in the source's group order", async () => {
  await sqsQueue("m-dlq.fifo", { FifoQueue: "true" });
  await sqsQueue("m-work.fifo", { FifoQueue: "true", RedrivePolicy: policy("m-dlq.fifo") });
  await killOne("m-work.fifo", "1", { groupId: "g", dedupId: "d1" });
  await killOne("m-work.fifo", "2", { groupId: "g", dedupId: "d2" });
  expect(await moveDeadLetters(broker)).toBe(2);
  const first = await broker.receive("m-dlq.fifo", { max: 10, waitSeconds: 0 });
  expect(first.map((m) => [JSON.parse(m.body), m.groupId])).toEqual([["1", "g"]]);
});
