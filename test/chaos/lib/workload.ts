import { DeliveryLedger, type LeasedMessage } from "../../helpers/delivery-ledger.ts";
import { Milestones } from "../../helpers/fleet.ts";
import type { PatientClient } from "../../helpers/patient-client.ts";

// One round's traffic: producers publishing batches with dedup ids (a batch whose answer was
// lost is sent again safely) to a work queue and, every few batches, to a webhook queue;
// consumers long-polling, receiving and acking the work queue. Every outcome is recorded for the
// invariants: ids by dedup id, and the consumers' view of every lease (DeliveryLedger).

export const LEASE_SECONDS = 4;
const BATCH = 50;
const HOOK_BATCH = 10;
/** One webhook batch per this many work batches. */
const HOOK_EVERY = 2;

export class Workload {
  readonly accepted = new Map<string, string>();
  readonly hookAccepted = new Map<string, string>();
  readonly ledger = new DeliveryLedger();
  readonly unexpected: string[] = [];
  readonly published = new Milestones(() => this.accepted.size);
  resentAlreadyIn = 0;
  acksLeaseLost = 0;
  private nextBatch = 0;
  private stopping = false;
  publishingDone = false;

  constructor(
    private readonly client: PatientClient,
    readonly work: string,
    readonly hooks: string,
    readonly messages: number,
  ) {}

  private async publish(queue: string, messages: Array<{ body: unknown; dedupId: string }>, into: Map<string, string>) {
    const answer = await this.client.post(`/v1/queues/${queue}/messages`, { messages });
    if (!answer) return;
    if (answer.status !== 201 && answer.status !== 200) {
      this.unexpected.push(`publish to ${queue}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return;
    }
    (answer.body.messages as Array<{ id: string; duplicate: boolean }>).forEach((result, i) => {
      into.set(messages[i]!.dedupId, result.id);
      if (result.duplicate) this.resentAlreadyIn += 1;
    });
  }

  async produce(): Promise<void> {
    for (let b = this.nextBatch++; b * BATCH < this.messages && !this.stopping; b = this.nextBatch++) {
      const size = Math.min(BATCH, this.messages - b * BATCH);
      const batch = Array.from({ length: size }, (_, i) => ({ body: { b, i }, dedupId: `${this.work}-${b}-${i}` }));
      await this.publish(this.work, batch, this.accepted);
      this.published.notify();
      if (b % HOOK_EVERY === 0) {
        const hooks = Array.from({ length: HOOK_BATCH }, (_, i) => ({
          body: { b, i },
          dedupId: `${this.hooks}-${b}-${i}`,
        }));
        await this.publish(this.hooks, hooks, this.hookAccepted);
      }
    }
  }

  /** Webhook messages outside the batches (a fault makes sure some are on their way while it acts). */
  async publishHooks(tag: string, count: number): Promise<void> {
    const hooks = Array.from({ length: count }, (_, i) => ({ body: { tag, i }, dedupId: `${this.hooks}-${tag}-${i}` }));
    await this.publish(this.hooks, hooks, this.hookAccepted);
  }

  async consume(): Promise<void> {
    while (!this.stopping) {
      const answer = await this.client.post(`/v1/queues/${this.work}/receive`, {
        max: BATCH,
        waitSeconds: 1,
        visibilityTimeoutSeconds: LEASE_SECONDS,
      });
      if (!answer) continue;
      if (answer.status !== 200) {
        this.unexpected.push(`receive: ${answer.status} ${JSON.stringify(answer.body)}`);
        continue;
      }
      const messages = answer.body.messages as LeasedMessage[];
      if (messages.length === 0) continue;
      this.ledger.received(messages, Date.now());
      const expires = Math.min(...messages.map((m) => Date.parse(m.leaseExpiresAt)));
      const ack = await this.client.post(
        `/v1/queues/${this.work}/ack`,
        { receipts: messages.map((m) => m.receipt) },
        expires,
      );
      this.ledger.released(messages.length);
      if (!ack) continue;
      if (ack.status !== 200) {
        this.unexpected.push(`ack: ${ack.status} ${JSON.stringify(ack.body)}`);
        continue;
      }
      (ack.body.results as Array<{ result: string }>).forEach(({ result }, i) => {
        if (result === "ok") this.ledger.ackedOk(messages[i]!.id, messages[i]!.receipt);
        else this.acksLeaseLost += 1;
      });
    }
  }

  stop(): void {
    this.stopping = true;
  }
}
