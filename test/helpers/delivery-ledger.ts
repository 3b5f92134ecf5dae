// What the fleet test's consumers saw, per message id: every delivery (lease) with its receipt,
// lease expiry and when the consumer got it, and how its ack ended. From that it judges the
// lease contract from the outside: a message is never handed to a consumer while an earlier lease
// on it still runs, and never again once an ack of it answered `ok`.

/** Slack for the instances' measured offset to the database's clock (a few ms; README, Clocks). */
const CLOCK_SLACK_MS = 50;

interface Delivery {
  receipt: string;
  attempts: number;
  leaseExpiresAt: number;
  receivedAt: number;
  acked: boolean;
}

export interface LeasedMessage {
  id: string;
  receipt: string;
  attempts: number;
  leaseExpiresAt: string;
}

export class DeliveryLedger {
  private readonly byId = new Map<string, Delivery[]>();
  /** Messages a consumer holds right now (received, ack not yet answered). */
  private holding = 0;
  maxInFlight = 0;
  /** Deliveries of an id a consumer had already received (each after a lease ran out). */
  duplicates = 0;
  /** First deliveries with attempts > 1: an earlier lease's answer never reached any consumer. */
  unseenEarlierLeases = 0;
  readonly violations: string[] = [];
  /** When an instance shut down gracefully: it gives back the leases it granted (DESIGN §2), ending them early. */
  private readonly releases: Array<{ from: number; to: number }> = [];
  /** Deliveries again after such a release, not after an expiry. */
  redeliveredAfterRelease = 0;

  /**
   * An instance is sent SIGTERM at `from`: until it exits it gives back the leases it granted, and
   * another instance may hand those out again before the test hears of the exit, so the window is
   * open from the signal on. Returns the call that closes it with the exit time.
   */
  leasesReleasedFrom(from: number): (exitedAt: number) => void {
    const window = { from, to: Number.POSITIVE_INFINITY };
    this.releases.push(window);
    return (exitedAt) => {
      window.to = exitedAt;
    };
  }

  received(messages: LeasedMessage[], receivedAt: number): void {
    this.holding += messages.length;
    this.maxInFlight = Math.max(this.maxInFlight, this.holding);
    for (const message of messages) {
      const delivery: Delivery = {
        receipt: message.receipt,
        attempts: message.attempts,
        leaseExpiresAt: Date.parse(message.leaseExpiresAt),
        receivedAt,
        acked: false,
      };
      const earlier = this.byId.get(message.id);
      if (!earlier) {
        this.byId.set(message.id, [delivery]);
        if (message.attempts > 1) this.unseenEarlierLeases += 1;
        continue;
      }
      this.duplicates += 1;
      for (const before of earlier) {
        if (before.acked)
          this.violations.push(`${message.id}: delivered again (attempt ${message.attempts}) after an ack answered ok`);
        // The broker decided on this lease before the consumer got it, so the earlier lease must
        // have ended by then.
        const released = this.releases.some((w) => before.receivedAt <= w.to && receivedAt >= w.from);
        if (released && before.leaseExpiresAt > receivedAt + CLOCK_SLACK_MS) this.redeliveredAfterRelease += 1;
        else if (before.leaseExpiresAt > receivedAt + CLOCK_SLACK_MS)
          this.violations.push(
            `${message.id}: leased again (attempt ${message.attempts}) at ${new Date(receivedAt).toISOString()} while the lease of attempt ${before.attempts} ran until ${new Date(before.leaseExpiresAt).toISOString()}`,
          );
        if (before.attempts >= message.attempts || before.receipt === message.receipt)
          this.violations.push(`${message.id}: a later delivery does not count a later attempt with a new receipt`);
      }
      earlier.push(delivery);
    }
  }

  /** The ack of `count` held messages answered (or was given up on). */
  released(count: number): void {
    this.holding -= count;
  }

  ackedOk(id: string, receipt: string): void {
    const all = this.byId.get(id) ?? [];
    const index = all.findIndex((d) => d.receipt === receipt);
    if (index < 0) return;
    all[index]!.acked = true;
    // A later lease was granted, so this one had ended: its ack must have answered lease_lost.
    if (index < all.length - 1) this.violations.push(`${id}: an ack answered ok for a lease that was superseded`);
  }

  deliveries(id: string): number {
    return this.byId.get(id)?.length ?? 0;
  }

  wasReceived(id: string): boolean {
    return this.byId.has(id);
  }

  wasAckedOk(id: string): boolean {
    return this.byId.get(id)?.some((d) => d.acked) ?? false;
  }

  receivedIds(): IterableIterator<string> {
    return this.byId.keys();
  }
}
