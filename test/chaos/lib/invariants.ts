import type { PatientClient } from "../../helpers/patient-client.ts";
import type { ChaosHookReceiver } from "./hook-receiver.ts";
import type { FaultKind } from "./targets.ts";
import type { Workload } from "./workload.ts";

// The promises checked after every round, from the outside (what clients and the webhook
// endpoint saw, and the broker's answers about single messages):
// - no acknowledged publish is lost: every id a publish answered 201/200 for was received by a
//   consumer or delivered to the endpoint, or is dead-lettered;
// - every message is eventually acked or dead-lettered (the queues drain);
// - an acked message never comes back, and a message is never leased again while an earlier
//   lease runs, so duplicates happen only after a lease expired (DeliveryLedger), counted;
// - the instances recover with no manual step (ready again; killed ones were only restarted);
// - a webhook is never sent for a message already acked: at each send the receiver asked the
//   broker for the message, and an acked one is gone (404). A send after an earlier send of the
//   same id was answered 200 is a duplicate (its settle was lost with the instance), counted.

export interface RoundReport {
  seed: number;
  faults: FaultKind[];
  published: number;
  hooksPublished: number;
  ackedOk: number;
  /** Acked by an ack whose answer never reached the consumer (gone afterwards). */
  ackedAnswerLost: number;
  dead: number;
  lost: number;
  duplicates: number;
  /** Of those, redeliveries of a lease a SIGTERMed instance gave back before it expired. */
  redeliveredAfterRelease: number;
  webhookSends: number;
  webhookDuplicates: number;
  /** Sends the receiver held unanswered while it hung. */
  webhookHung: number;
  refusedDiskFull: number;
  violations: string[];
}

interface Outcome {
  seed: number;
  faults: FaultKind[];
  workload: Workload;
  receiver: ChaosHookReceiver;
  checks: PatientClient;
  recovered: boolean;
  drained: boolean;
  refusedDiskFull: number;
  hung: number;
}

async function state(checks: PatientClient, queue: string, id: string): Promise<string> {
  const answer = await checks.get(`/v1/queues/${queue}/messages/${id}`);
  return answer.status === 404 ? "gone" : String(answer.body.state);
}

export async function judge(outcome: Outcome): Promise<RoundReport> {
  const { workload, receiver, checks } = outcome;
  const { ledger } = workload;
  const violations: string[] = [...workload.unexpected.map((u) => `unexpected answer: ${u}`), ...ledger.violations];
  if (!outcome.recovered) violations.push("an instance did not become ready again by itself");
  if (!outcome.drained) violations.push("the queues did not drain: some message was neither acked nor dead-lettered");
  if (workload.accepted.size !== workload.messages)
    violations.push(`only ${workload.accepted.size} of ${workload.messages} publishes were acknowledged`);

  let ackedOk = 0;
  let ackedAnswerLost = 0;
  let dead = 0;
  let lost = 0;
  const acceptedIds = new Set(workload.accepted.values());
  for (const id of acceptedIds) {
    if (ledger.wasAckedOk(id)) {
      ackedOk += 1;
      // An acked message never comes back.
      const now = await state(checks, workload.work, id);
      if (now !== "gone") violations.push(`${id}: acked (ok) but the broker still holds it as ${now}`);
      continue;
    }
    const now = await state(checks, workload.work, id);
    if (now === "dead") dead += 1;
    else if (now === "gone" && ledger.wasReceived(id)) ackedAnswerLost += 1;
    else {
      lost += 1;
      violations.push(`${id}: acknowledged publish, never received, now ${now}`);
    }
  }
  for (const id of ledger.receivedIds())
    if (!acceptedIds.has(id)) violations.push(`${id}: received but no publish of it was acknowledged`);

  // Webhooks: every accepted id delivered (answered 200) or dead; no send for an acked message.
  const sends = new Map<string, typeof receiver.sends>();
  for (const send of receiver.sends) sends.set(send.id, [...(sends.get(send.id) ?? []), send]);
  let webhookDuplicates = 0;
  for (const [id, list] of sends) {
    const firstOk = list.findIndex((send) => send.status === 200);
    for (const [i, send] of list.entries()) {
      // Only a 200 lets the worker ack a webhook message, so a "gone" read is proof of a send after
      // the ack unless another send of the id was answered 200 between this one's arrival and the
      // read: then the ack may have come after the arrival (the read waited for a restarting instance).
      const ackedMeanwhile = list.some(
        (other) => other !== send && other.okAt !== null && other.okAt >= send.at && other.okAt <= send.stateAt,
      );
      if (send.stateAtSend === "gone" && !ackedMeanwhile)
        violations.push(`${id}: webhook sent (attempt ${send.attempt}) after it was acked`);
      // The 200 reached us but its settle did not commit (the instance died first): sent again
      // once that lease ended. Counted; the message was not acked yet, as stateAtSend shows.
      if (firstOk >= 0 && i > firstOk) webhookDuplicates += 1;
    }
  }
  for (const id of workload.hookAccepted.values()) {
    if (sends.get(id)?.some((send) => send.status === 200)) continue;
    const now = await state(checks, workload.hooks, id);
    if (now === "dead") dead += 1;
    else {
      lost += 1;
      violations.push(`${id}: acknowledged webhook publish never delivered, now ${now}`);
    }
  }
  return {
    seed: outcome.seed,
    faults: outcome.faults,
    published: workload.accepted.size,
    hooksPublished: workload.hookAccepted.size,
    ackedOk,
    ackedAnswerLost,
    dead,
    lost,
    duplicates: ledger.duplicates,
    redeliveredAfterRelease: ledger.redeliveredAfterRelease,
    webhookSends: receiver.sends.length,
    webhookDuplicates,
    webhookHung: outcome.hung,
    refusedDiskFull: outcome.refusedDiskFull,
    violations,
  };
}
