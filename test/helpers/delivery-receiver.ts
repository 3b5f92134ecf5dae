import { startReceiver, type ReceivedRequest, type WebhookReceiver } from "./webhook-receiver.ts";

/** One request as the receiver saw it, with when it started and ended (performance.now()). */
export interface TimedRequest extends ReceivedRequest {
  id: string;
  startedAt: number;
  endedAt: number | null;
  status: number | null;
}

export interface DeliveryReceiver {
  url: string;
  receiver: WebhookReceiver;
  requests: TimedRequest[];
  /** Most requests the receiver was answering at the same time. */
  maxInFlight(): number;
  stop(): Promise<void>;
}

/**
 * A real local endpoint (W1's receiver) that times every request: `answer` decides the response
 * per request and may take its time, which is how tests make a slow or failing endpoint.
 */
export function startDeliveryReceiver(
  answer: (request: TimedRequest) => Response | Promise<Response> = () => new Response("ok"),
): DeliveryReceiver {
  const requests: TimedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const receiver = startReceiver({
    respond: async (received) => {
      const timed: TimedRequest = {
        ...received,
        id: received.headers["webhook-id"] ?? "",
        startedAt: performance.now(),
        endedAt: null,
        status: null,
      };
      requests.push(timed);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const response = await answer(timed);
        timed.status = response.status;
        return response;
      } finally {
        inFlight -= 1;
        timed.endedAt = performance.now();
      }
    },
  });
  return {
    url: `${receiver.origin}/hook`,
    receiver,
    requests,
    maxInFlight: () => maxInFlight,
    stop: () => receiver.stop(),
  };
}

/** Polls `condition` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}
