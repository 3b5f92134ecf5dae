import type { SQL } from "bun";
import { randomUUID } from "node:crypto";
import { LocalNotifier } from "../local-notifier.ts";
import type { Notifier } from "../store.ts";

const CHANNEL = "millrace_wakeups";

interface Wakeup {
  /** The instance that sent it: an instance hears its own NOTIFY too, and has already woken its receivers. */
  i: string;
  q: string;
  n: number;
}

/**
 * Wake-ups across instances: this process's receivers hear a notify at once (LocalNotifier), and
 * `pg_notify` carries it to every other instance, whose one LISTEN connection hands it to its own
 * receivers. The broker notifies after the commit that made messages available, so a receiver
 * woken anywhere finds them. Bun reconnects a dropped LISTEN connection with backoff and
 * subscribes again; meanwhile long-polls re-check every 500 ms, so a lost wake-up costs latency,
 * never a message.
 */
export class PgNotifier implements Notifier {
  private readonly local = new LocalNotifier();
  private readonly instanceId = randomUUID();
  private subscription: { unlisten(): Promise<void> } | null = null;
  private readonly outgoing = new Map<string, number>();

  constructor(private readonly sql: SQL) {}

  async start(): Promise<void> {
    this.subscription = await this.sql.listen(CHANNEL, (payload) => this.onPayload(payload));
  }

  notify(queue: string, count: number): void {
    if (count <= 0) return;
    this.local.notify(queue, count);
    // Notifications of one event-loop turn leave together, one per queue, in one statement: a
    // NOTIFY per publish would cost the pool a round trip per message.
    // Scheduled by the first notify of the turn only. (Testing `size === 1` after the set
    // scheduled one more flush, and with it one more pg_notify statement, for every further
    // notify of the same queue: one round trip per single publish.)
    if (this.outgoing.size === 0) setImmediate(() => this.flush());
    this.outgoing.set(queue, (this.outgoing.get(queue) ?? 0) + count);
  }

  private flush(): void {
    const payloads = [...this.outgoing].map(([q, n]) => JSON.stringify({ i: this.instanceId, q, n } satisfies Wakeup));
    this.outgoing.clear();
    // Best effort: if it cannot be sent, the other instances' long-polls find the messages at
    // their next re-check.
    this.sql`SELECT pg_notify(${CHANNEL}, payload) FROM unnest(${payloads}::text[]) AS payload`.catch(() => undefined);
  }

  subscribe(listener: (queue: string, count: number) => void): () => void {
    return this.local.subscribe(listener);
  }

  async close(): Promise<void> {
    await this.subscription?.unlisten().catch(() => undefined);
    this.subscription = null;
  }

  private onPayload(payload: string): void {
    let wakeup: Partial<Wakeup>;
    try {
      wakeup = JSON.parse(payload) as Partial<Wakeup>;
    } catch {
      return;
    }
    if (wakeup.i === this.instanceId || typeof wakeup.q !== "string" || typeof wakeup.n !== "number") return;
    this.local.notify(wakeup.q, wakeup.n);
  }
}
