import { afterAll, beforeAll, expect, test } from "bun:test";
import { SQL } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeliveryLedger, type LeasedMessage } from "../helpers/delivery-ledger.ts";
import { FleetInstance, Milestones } from "../helpers/fleet.ts";
import { Nginx } from "../helpers/nginx.ts";
import { PatientClient } from "../helpers/patient-client.ts";
import { PrivatePostgres } from "../helpers/private-postgres.ts";
import { freePort, until } from "../helpers/spawn-serve.ts";

// The fleet: three Millrace processes on one PostgreSQL, behind a real nginx running the shipped
// packaging/nginx/millrace.conf. Producers publish MILLRACE_FLEET_MESSAGES messages through nginx
// in batches (each message with a dedup id, so a batch whose answer was lost is sent again
// safely); consumers long-poll, receive and ack through nginx. Under that load PostgreSQL is
// restarted once and the instance holding the maintenance leadership is killed with SIGKILL and
// started again. Every message that got a 201 must be acked in the end, no message may be leased
// to a consumer while an earlier lease on it runs, and the leadership must move off the dead one.
// PostgreSQL is a private server (test/helpers/private-postgres.ts): restarting the shared one
// would break other tests using it at that moment.

const MESSAGES = Number(process.env.MILLRACE_FLEET_MESSAGES ?? 50_000);
const BATCH = 100;
const PRODUCERS = 4;
const CONSUMERS = 8;
const LEASE_SECONDS = 10;
const QUEUE = "fleet";
/** Messages the stalling consumer takes and lets run out. */
const STALLED = 10;

let pg: PrivatePostgres;
let dir: string;
let nginx: Nginx;
const instances: FleetInstance[] = [];

beforeAll(async () => {
  pg = new PrivatePostgres();
  await pg.start();
  dir = mkdtempSync(join(tmpdir(), "millrace-fleet-"));
  const env = {
    MILLRACE_DATABASE_URL: pg.url(),
    MILLRACE_DATABASE_POOL_SIZE: "8",
    MILLRACE_ACCESS_LOG: "false",
    MILLRACE_SHUTDOWN_DELAY_SECONDS: "0",
    MILLRACE_TRUSTED_PROXIES: "127.0.0.1/32",
  };
  for (const name of ["a", "b", "c"]) instances.push(new FleetInstance(name, `127.0.0.1:${freePort()}`, env, dir));
  // All three at once: the migration runs once, under its advisory lock.
  await Promise.all(instances.map((instance) => instance.start()));
  nginx = new Nginx(
    join(dir, "nginx"),
    instances.map((instance) => instance.listen),
  );
  await nginx.start();
}, 120_000);

afterAll(async () => {
  await nginx?.stop();
  await Promise.all(instances.map((instance) => instance.kill()));
  await pg?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function leaders(): Promise<string[]> {
  const leads = await Promise.all(instances.map((instance) => instance.leads()));
  return instances.filter((_, i) => leads[i]).map((instance) => instance.name);
}

/** Sessions whose last statement was the notifier's LISTEN: one per live instance. */
async function listeners(): Promise<number> {
  const sql = new SQL({ url: pg.url(), max: 1 });
  try {
    const [row] = (await sql`
      SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE ${"LISTEN %millrace_wakeups%"}`) as Array<{
      n: number;
    }>;
    return row?.n ?? 0;
  } catch {
    return -1;
  } finally {
    await sql.close();
  }
}

function tail(instance: FleetInstance): string {
  return `--- ${instance.name} (last lines) ---\n${instance.lines().slice(-25).join("\n")}`;
}

test(`${MESSAGES} messages through nginx and three instances survive a PostgreSQL restart and a SIGKILL of the leader`, async () => {
  const started = Date.now();
  const client = new PatientClient(nginx.url);
  const created = await fetch(`${nginx.url}/v1/queues/${QUEUE}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      visibilityTimeoutSeconds: LEASE_SECONDS,
      maxAttempts: 1000,
      backoff: { baseMs: 100, maxMs: 1000 },
    }),
  });
  expect(created.status).toBe(201);
  expect(await until(async () => (await leaders()).length === 1)).toBe(true);

  // Producers: message ids by dedup id, from 201 (or 200 when a resent batch was already in).
  const accepted = new Map<string, string>();
  let resentAlreadyIn = 0;
  const unexpected: string[] = [];
  const published = new Milestones(() => accepted.size);
  let nextBatch = 0;
  const producer = async () => {
    for (let b = nextBatch++; b * BATCH < MESSAGES; b = nextBatch++) {
      const size = Math.min(BATCH, MESSAGES - b * BATCH);
      const messages = Array.from({ length: size }, (_, i) => ({ body: { b, i }, dedupId: `m-${b}-${i}` }));
      const answer = await client.post(`/v1/queues/${QUEUE}/messages`, { messages });
      if (!answer) return; // the test is over (it failed elsewhere)
      if (answer.status !== 201 && answer.status !== 200) {
        unexpected.push(`publish: ${answer.status} ${JSON.stringify(answer.body)}`);
        continue;
      }
      const results = answer.body.messages as Array<{ id: string; duplicate: boolean }>;
      results.forEach((result, i) => {
        accepted.set(messages[i]!.dedupId, result.id);
        if (result.duplicate) resentAlreadyIn += 1;
      });
      published.notify();
    }
  };

  // Consumers: receive (long-poll), record, ack; an ack is retried until its lease runs out.
  const ledger = new DeliveryLedger();
  let stopConsumers = false;
  let acksLeaseLost = 0;
  let acksUnanswered = 0;
  const consumer = async () => {
    while (!stopConsumers) {
      const answer = await client.post(`/v1/queues/${QUEUE}/receive`, {
        max: BATCH,
        waitSeconds: 1,
        visibilityTimeoutSeconds: LEASE_SECONDS,
      });
      if (!answer) continue;
      if (answer.status !== 200) {
        unexpected.push(`receive: ${answer.status} ${JSON.stringify(answer.body)}`);
        continue;
      }
      const messages = answer.body.messages as LeasedMessage[];
      if (messages.length === 0) continue;
      ledger.received(messages, Date.now());
      const expires = Math.min(...messages.map((m) => Date.parse(m.leaseExpiresAt)));
      const receipts = messages.map((m) => m.receipt);
      const ack = await client.post(`/v1/queues/${QUEUE}/ack`, { receipts }, expires);
      ledger.released(messages.length);
      if (!ack) {
        acksUnanswered += messages.length;
        continue;
      }
      if (ack.status !== 200) {
        unexpected.push(`ack: ${ack.status} ${JSON.stringify(ack.body)}`);
        continue;
      }
      (ack.body.results as Array<{ result: string }>).forEach(({ result }, i) => {
        if (result === "ok") ledger.ackedOk(messages[i]!.id, messages[i]!.receipt);
        else acksLeaseLost += 1;
      });
    }
  };

  // The faults, each triggered by how far publishing has come, not by time.
  const faults = async () => {
    await published.reached(Math.floor(MESSAGES / 4));
    const pgRestartAt = { published: accepted.size };
    await pg.restart();
    // Every instance recovers by itself: its pool reconnects, readiness turns 200 again, and
    // one of them holds the leadership again (the restart ended the leader's session).
    const recovered = await until(
      async () => (await Promise.all(instances.map((i) => i.ready()))).every(Boolean) && (await leaders()).length === 1,
    );
    // ...and each LISTENs again (its notifier's connection was cut too), or wake-ups across
    // instances would quietly fall back to the long-polls' 500 ms re-checks.
    const relistened = recovered && (await until(async () => (await listeners()) === instances.length));
    if (!recovered || !relistened)
      throw new Error(
        `after the PostgreSQL restart not every instance became ready (and LISTENed) again without a restart:\n${instances.map(tail).join("\n")}`,
      );

    await published.reached(Math.floor(MESSAGES / 2));
    expect(await until(async () => (await leaders()).length === 1)).toBe(true);
    const [before] = await leaders();
    const leader = instances.find((instance) => instance.name === before)!;
    const killAt = { published: accepted.size };
    await leader.kill();
    const moved = await until(async () => (await leaders()).some((name) => name !== before));
    const [after] = await leaders();
    if (!moved)
      throw new Error(`the leadership did not move off ${before} within 30 s:\n${instances.map(tail).join("\n")}`);
    await leader.start();
    return { pgRestartAt, killAt, before: before!, after: after! };
  };

  // A consumer that stalls: it takes a few messages on a short lease and never acks in time.
  // They must come back to the others once the lease ran out, and its late ack must change nothing.
  const straggler = async () => {
    await published.reached(Math.floor(MESSAGES / 8));
    const messages: LeasedMessage[] = [];
    // The other consumers may have emptied the queue for a moment: wait for publishes.
    for (let tries = 0; messages.length < STALLED && tries < 20; tries++) {
      const answer = await client.post(`/v1/queues/${QUEUE}/receive`, {
        max: STALLED - messages.length,
        waitSeconds: 5,
        visibilityTimeoutSeconds: 1,
      });
      if (!answer) break;
      const got = answer.body.messages as LeasedMessage[];
      ledger.received(got, Date.now());
      ledger.released(got.length);
      messages.push(...got);
    }
    return messages;
  };

  const stalled = straggler();
  const faulting = faults();
  const producing = Promise.all(Array.from({ length: PRODUCERS }, producer));
  const consuming = Promise.all(Array.from({ length: CONSUMERS }, consumer));
  // The checks ask an instance directly, so they do not eat the clients' rate limit at nginx.
  const direct = new PatientClient(instances[0]!.url);
  // Drained: nothing ready, delayed, leased, grouped or dead.
  const drained = async () => {
    const answer = await direct.get(`/v1/queues/${QUEUE}`);
    const stats = answer.body.stats as Record<string, number> | undefined;
    return stats !== undefined && ["ready", "delayed", "leased", "grouped", "dead"].every((k) => stats[k] === 0);
  };
  let isDrained = false;
  let publishedAt = 0;
  let fault: Awaited<typeof faulting>;
  let stale: LeasedMessage[];
  try {
    [fault, stale] = await Promise.all([faulting, stalled]);
    await producing;
    publishedAt = Date.now();
    // Leases lost with the killed instance come back after LEASE_SECONDS; two minutes is ample.
    for (let i = 0; i < 4 && !isDrained; i++) isDrained = await until(drained);
  } finally {
    // Also when a fault check failed: no client may go on retrying after the test.
    stopConsumers = true;
    client.stop();
    await Promise.allSettled([producing, consuming, stalled, faulting]);
  }
  const seconds = (Date.now() - started) / 1000;
  const lateAck = await direct.post(`/v1/queues/${QUEUE}/ack`, { receipts: stale.map((m) => m.receipt) });

  // Every accepted message was received; those whose ok never reached a consumer are gone too.
  const missing: string[] = [];
  let ackedUnseen = 0;
  for (const id of accepted.values()) {
    if (ledger.wasAckedOk(id)) continue;
    const state = await direct.get(`/v1/queues/${QUEUE}/messages/${id}`);
    if (!ledger.wasReceived(id) || state.status !== 404) missing.push(`${id}: ${JSON.stringify(state.body)}`);
    else ackedUnseen += 1;
  }
  const acceptedIds = new Set(accepted.values());
  const phantoms = [...ledger.receivedIds()].filter((id) => !acceptedIds.has(id));

  console.log(
    [
      `fleet: ${accepted.size} published (${resentAlreadyIn} of them on a resend after a lost answer), ` +
        `${accepted.size - missing.length} acked (${ackedUnseen} by an ack whose answer was lost)`,
      `  duplicates: ${ledger.duplicates} deliveries after a lease ran out; ${ledger.unseenEarlierLeases} first ` +
        `deliveries had an earlier lease whose answer reached no consumer; ${acksLeaseLost} acks answered lease_lost, ` +
        `${acksUnanswered} given up at lease end`,
      `  max in flight: ${ledger.maxInFlight} messages held by consumers at once`,
      `  faults: PostgreSQL restarted at ${fault.pgRestartAt.published} published; leader ${fault.before} killed ` +
        `at ${fault.killAt.published} published, leadership moved to ${fault.after}`,
      `  requests: ${client.requests}, retried: ${JSON.stringify(Object.fromEntries(client.retries))}`,
      `  time: ${seconds.toFixed(1)} s (publishing done after ${((publishedAt - started) / 1000).toFixed(1)} s), ` +
        `${Math.round(accepted.size / seconds)} msg/s end to end`,
    ].join("\n"),
  );

  expect(unexpected).toEqual([]);
  expect(accepted.size).toBe(MESSAGES);
  expect(missing).toEqual([]);
  expect(phantoms).toEqual([]);
  expect(ledger.violations).toEqual([]);
  expect(stale.length).toBe(STALLED);
  expect((lateAck!.body.results as Array<{ result: string }>).map((r) => r.result)).toEqual(
    stale.map(() => "lease_lost"),
  );
  expect(stale.every((m) => ledger.deliveries(m.id) >= 2)).toBe(true);
  expect(fault.after).not.toBe(fault.before);
  const newLeader = instances.find((instance) => instance.name === fault.after)!;
  expect(newLeader.lines().some((line) => line.includes("took the fleet's leadership"))).toBe(true);
  expect(isDrained).toBe(true);
  // The restarted instance LISTENs again as well.
  expect(await until(async () => (await listeners()) === instances.length)).toBe(true);
}, 600_000);
