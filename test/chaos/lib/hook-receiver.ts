import { startReceiver, type WebhookReceiver } from "../../helpers/webhook-receiver.ts";

// The chaos test's webhook endpoint. For every send it records the webhook-id, the attempt, when
// it came, how it was answered, and whether the message still existed at that moment (asked of
// the broker before answering): a send for a message already acked finds it gone (404), which is
// the one thing a webhook must never do. It can hang (hold every request without answering)
// and vanish (stop listening), then come back on the same port.

export interface HookSend {
  id: string;
  attempt: number;
  at: number;
  /** The message's state when the send arrived: "leased" expected, "gone" = already acked. */
  stateAtSend: string;
  /** When the broker's answer about the state came: it may lag `at` by seconds while an instance restarts. */
  stateAt: number;
  status: number | null;
  /** When the receiver answered 200, if it did. */
  okAt: number | null;
}

export class ChaosHookReceiver {
  readonly sends: HookSend[] = [];
  private receiver: WebhookReceiver;
  private hanging = false;
  private release: Array<() => void> = [];
  /** Requests held by a hang so far. */
  hung = 0;

  constructor(private readonly stateOf: (queue: string, id: string) => Promise<string>) {
    this.receiver = this.listen(0);
  }

  get url(): string {
    return `${this.receiver.origin}/hook`;
  }

  private listen(port: number): WebhookReceiver {
    return startReceiver({
      port,
      respond: async (request) => {
        const envelope = JSON.parse(request.body) as { id: string; queue: string; attempt: number };
        const at = Date.now();
        const stateAtSend = await this.stateOf(envelope.queue, envelope.id);
        const send: HookSend = {
          id: request.headers["webhook-id"] ?? envelope.id,
          attempt: envelope.attempt,
          at,
          stateAtSend,
          stateAt: Date.now(),
          status: null,
          okAt: null,
        };
        this.sends.push(send);
        if (this.hanging) {
          this.hung += 1;
          await new Promise<void>((resolve) => this.release.push(resolve));
          return new Response("gone", { status: 503 });
        }
        send.status = 200;
        send.okAt = Date.now();
        return new Response("ok");
      },
    });
  }

  hang(): void {
    this.hanging = true;
  }

  /** Stops listening (held requests are cut), keeping the port for `comeBack`. */
  async vanish(): Promise<void> {
    const stopping = this.receiver.stop();
    for (const release of this.release.splice(0)) release();
    await stopping;
  }

  comeBack(): void {
    this.hanging = false;
    this.receiver = this.listen(this.receiver.port);
  }

  async stop(): Promise<void> {
    this.hanging = false;
    for (const release of this.release.splice(0)) release();
    await this.receiver.stop();
  }
}
