import { waitFor } from "../../helpers/delivery-receiver.ts";
import { PatientClient } from "../../helpers/patient-client.ts";
import { ChaosHookReceiver } from "./hook-receiver.ts";
import { Rng } from "./rng.ts";
import { FAULTS, type FaultKind, type Target } from "./targets.ts";
import type { RoundReport } from "./invariants.ts";
import { judge } from "./invariants.ts";
import { LEASE_SECONDS, Workload } from "./workload.ts";

// One chaos round: fresh queues, the workload, one or two faults drawn from the round's seed
// and fired when publishing reaches a drawn fraction, then the drain and the invariants.

const PRODUCERS = 3;
const CONSUMERS = 4;
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/** Generous bounds on waiting for a condition; never a pass/fail on speed. */
const PATIENCE_MS = 180_000;

export function replayCommand(driver: string, seed: number): string {
  return `scripts/chaos --driver ${driver} --seed ${seed} --rounds 1`;
}

export async function runRound(target: Target, seed: number, messages: number): Promise<RoundReport> {
  const rng = new Rng(seed);
  let over = false;
  /** Resolves once `check` holds, or when the round is over (so no poll outlives it). */
  const until = async (check: () => boolean) => {
    while (!check() && !over) await Bun.sleep(20);
  };
  const faults = [...FAULTS[target.driver]].sort(() => rng.next() - 0.5).slice(0, 1 + Math.floor(rng.next() * 2));
  const moments = faults.map(() => rng.between(0.1, 0.7)).sort((a, b) => a - b);
  const work = `work-${seed}`;
  const hooks = `hooks-${seed}`;
  const client = new PatientClient(target.urls, [507]);
  const checks = new PatientClient(target.urls);
  // Asked before each webhook is answered; bounded, since the instance may be down right then.
  const receiver = new ChaosHookReceiver(async (queue, id) => {
    const answer = await checks.getUntil(`/v1/queues/${queue}/messages/${id}`, Date.now() + 3000);
    return answer === null ? "unknown" : answer.status === 404 ? "gone" : String(answer.body.state);
  });
  const put = async (name: string, settings: Record<string, unknown>) => {
    const answer = await client.put(`/v1/queues/${name}`, settings);
    if (answer?.status !== 201) throw new Error(`could not create ${name}: ${JSON.stringify(answer)}`);
  };
  await put(work, { visibilityTimeoutSeconds: LEASE_SECONDS, maxAttempts: 20, backoff: { baseMs: 100, maxMs: 1000 } });
  await put(hooks, {
    maxAttempts: 200,
    backoff: { baseMs: 50, maxMs: 500 },
    delivery: { url: receiver.url, secret: SECRET, timeoutSeconds: 2 },
  });

  let diskFullSeen = false;
  const filled: string[] = [];
  if (faults.includes("disk-full")) await put(`fill-${seed}`, {});
  const workload = new Workload(client, work, hooks, messages);
  const advanced = (fraction: number) => {
    const goal = Math.min(messages, workload.accepted.size + Math.ceil(messages * fraction));
    return Promise.race([workload.published.reached(goal), until(() => workload.publishingDone)]);
  };
  const inject = async (kind: FaultKind) => {
    const index = Math.floor(rng.next() * target.instances.length);
    switch (kind) {
      case "sigkill":
        return target.sigkill(index);
      case "sigterm": {
        const exited = workload.ledger.leasesReleasedFrom(Date.now());
        await target.sigterm(index, () => exited(Date.now()));
        return;
      }
      case "pg-restart":
        return target.pgRestart();
      case "pg-terminate":
        return void (await target.pgTerminate());
      case "webhook-hang-vanish": {
        receiver.hang();
        const held = receiver.hung;
        await workload.publishHooks(`hang-${held}`, 10);
        await until(() => receiver.hung >= held + 2);
        await receiver.vanish();
        await advanced(0.1);
        return receiver.comeBack();
      }
      case "disk-full": {
        const refused = client.retries.get("507") ?? 0;
        target.fillDisk();
        // Large publishes outgrow whatever room the WAL file still had, so the full disk bites.
        diskFullSeen = await fillUntilRefused(target.urls[0]!, `fill-${seed}`, filled);
        await Promise.race([until(() => (client.retries.get("507") ?? 0) > refused), advanced(0.05)]);
        return target.freeDisk();
      }
    }
  };
  const faulting = (async () => {
    for (const [i, kind] of faults.entries()) {
      await Promise.race([
        workload.published.reached(Math.floor(messages * moments[i]!)),
        until(() => workload.publishingDone),
      ]);
      await inject(kind);
    }
  })();
  const producing = Promise.all(Array.from({ length: PRODUCERS }, () => workload.produce())).then(() => {
    workload.publishingDone = true;
  });
  const consuming = Promise.all(Array.from({ length: CONSUMERS }, () => workload.consume()));
  const inProgress = async (queue: string) => {
    const stats = (await client.get(`/v1/queues/${queue}`)).body.stats as Record<string, number>;
    return stats.ready! + stats.delayed! + stats.leased! + stats.grouped!;
  };
  let recovered = false;
  let drained = false;
  try {
    await Promise.all([faulting, producing]);
    recovered = await target.recovered();
    drained = await waitFor(
      "both queues drained",
      async () => (await inProgress(work)) === 0 && (await inProgress(hooks)) === 0,
      PATIENCE_MS,
    ).then(
      () => true,
      () => false,
    );
  } finally {
    over = true;
    workload.stop();
    client.stop();
    await Promise.allSettled([faulting, producing, consuming]);
    await receiver.stop();
  }
  if (faults.includes("disk-full") && !diskFullSeen)
    workload.unexpected.push("the full disk never refused a write (507)");
  for (const id of filled) {
    const answer = await checks.get(`/v1/queues/fill-${seed}/messages/${id}`);
    if (answer.status !== 200)
      workload.unexpected.push(`fill message ${id} (201 before the disk filled) is ${answer.status}`);
  }
  return judge({
    hung: receiver.hung,
    seed,
    faults,
    workload,
    receiver,
    checks,
    recovered,
    drained,
    refusedDiskFull: client.retries.get("507") ?? 0,
  });
}

/** Publishes 64 KiB messages until one is refused with 507; records those accepted. */
async function fillUntilRefused(url: string, queue: string, accepted: string[]): Promise<boolean> {
  for (let i = 0; i < 400; i++) {
    const response = await fetch(`${url}/v1/queues/${queue}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ body: { i, pad: "f".repeat(64 * 1024) } }),
    }).catch(() => null);
    if (!response) continue;
    const body = (await response.json()) as { id?: string };
    if (response.status === 507) return true;
    if (response.status === 201) accepted.push(body.id!);
  }
  return false;
}
