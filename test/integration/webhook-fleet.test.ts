import { afterAll, beforeAll, expect, test } from "bun:test";
import { startDeliveryReceiver, waitFor, type DeliveryReceiver } from "../helpers/delivery-receiver.ts";
import { client, type RunningApp } from "../helpers/start-app.ts";
import {
  publishMany,
  putDeliveryQueue,
  queueIsEmpty,
  startWebhookApp,
  webhookDatabase,
  type WebhookDatabase,
} from "../helpers/webhook-app.ts";

// Two worker instances on one PostgreSQL database, as two VMs of a fleet: each endpoint's
// maxConcurrency and maxPerSecond hold for the two together, measured at the receiver. Each
// instance may run 3 sends at once, so either could exceed a limit of 2 alone, and both together
// could exceed 4.

let db: WebhookDatabase;
const apps: RunningApp[] = [];
const receivers: DeliveryReceiver[] = [];

beforeAll(async () => {
  db = await webhookDatabase("postgres");
  for (let i = 0; i < 2; i++) {
    apps.push(await startWebhookApp(db, { MILLRACE_WEBHOOK_CONCURRENCY: "3", MILLRACE_DATABASE_POOL_SIZE: "4" }));
  }
});
afterAll(async () => {
  for (const app of apps) await app.stop();
  for (const receiver of receivers) await receiver.stop();
  await db.drop();
});

async function sentBy(app: RunningApp, queue: string): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(`millrace_webhook_requests_total{queue="${queue}"`))
    .reduce((sum, line) => sum + Number(line.split(" ")[1]), 0);
}

/**
 * Whether `app`'s delivery worker has picked up `queue` (it exports the queue's circuit state from
 * its first refresh on). A worker learns of a new delivery queue at its next refresh, up to a
 * second later; publishing before both have means one may sit out a short run.
 */
async function deliversTo(app: RunningApp, queue: string): Promise<boolean> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  return text.includes(`millrace_webhook_circuit_state{queue="${queue}"}`);
}

async function untilEveryWorkerDeliversTo(queue: string): Promise<void> {
  for (const [index, app] of apps.entries()) {
    await waitFor(`instance ${index} delivering to ${queue}`, () => deliversTo(app, queue));
  }
}

test("maxConcurrency 4 holds across two instances: never more than 4 requests at the endpoint at once", async () => {
  const endpoint = startDeliveryReceiver(async () => {
    await Bun.sleep(40);
    return new Response("ok");
  });
  receivers.push(endpoint);
  const call = client(apps[0]!.url);
  await putDeliveryQueue(call, "bounded", endpoint.url, { maxConcurrency: 4 });
  await untilEveryWorkerDeliversTo("bounded");
  await publishMany(
    call,
    "bounded",
    Array.from({ length: 60 }, (_, n) => n),
  );
  await waitFor("all delivered", () => queueIsEmpty(call, "bounded"));
  expect(endpoint.requests.filter((request) => request.status === 200)).toHaveLength(60);
  expect(endpoint.maxInFlight()).toBeLessThanOrEqual(4);
  // More than one instance's 3 at some moment: both took part, and the limit was what held them.
  expect(endpoint.maxInFlight()).toBeGreaterThan(3);
  for (const app of apps) expect(await sentBy(app, "bounded")).toBeGreaterThan(0);
});

test("maxPerSecond 20 holds across two instances (token bucket with a burst of 2)", async () => {
  const endpoint = startDeliveryReceiver();
  receivers.push(endpoint);
  const call = client(apps[1]!.url);
  const started = performance.now();
  await putDeliveryQueue(call, "paced", endpoint.url, { maxConcurrency: 64, maxPerSecond: 20 });
  await untilEveryWorkerDeliversTo("paced");
  await publishMany(
    call,
    "paced",
    Array.from({ length: 60 }, (_, n) => n),
  );
  await waitFor("all delivered", () => queueIsEmpty(call, "paced"));
  const starts = endpoint.requests.map((request) => request.startedAt).sort((a, b) => a - b);
  expect(starts).toHaveLength(60);
  // The bucket starts with at most its burst (2); every further send waits for a token at 20/s,
  // so the last cannot start before 58 / 20 s. A lower bound: a busy machine only makes it later.
  expect(starts[59]! - started).toBeGreaterThanOrEqual(2900 - 50);
  // Any one-second window at the receiver: 20 tokens plus the burst of 2, with 25% slack for the
  // time between a claim and its request reaching the receiver, which varies with load.
  let busiest = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[i]! - starts[j]! >= 1000) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  expect(busiest).toBeLessThanOrEqual(Math.ceil(20 * 1.25) + 2);
  for (const app of apps) expect(await sentBy(app, "paced")).toBeGreaterThan(0);
});
