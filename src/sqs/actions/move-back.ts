import type { Broker } from "../../broker/broker.ts";
import { BrokerError } from "../../domain/errors.ts";
import type { LeasedMessage } from "../../domain/message.ts";
import { DEAD_LETTER_SOURCE_HEADER } from "../dead-letter-mover.ts";
import { emptyMap } from "../message-attributes.ts";
import { isFifo } from "../queue-attributes.ts";

/** How long a message being moved stays leased; if the move is cut short it becomes visible again. */
const MOVE_VISIBILITY_SECONDS = 60;

/**
 * Moves the messages of an SQS dead-letter queue back to the queue each came from (the header
 * the mover set), or all to `destination`. Each is published there, then deleted here; messages
 * with nowhere to go (no source, a source gone, or one `allowed` refuses) are given back.
 * Returns how many moved.
 */
export async function moveBack(
  broker: Broker,
  dlq: string,
  destination: string | null,
  allowed: (queue: string) => boolean,
): Promise<number> {
  const seen = new Set<string>();
  let moved = 0;
  for (;;) {
    const leased = await broker.receive(dlq, {
      max: 10,
      waitSeconds: 0,
      visibilityTimeoutSeconds: MOVE_VISIBILITY_SECONDS,
    });
    const fresh = leased.filter((message) => !seen.has(message.id));
    const giveBack = leased.filter((message) => seen.has(message.id)).map((message) => message.receipt);
    for (const message of fresh) {
      seen.add(message.id);
      if (await moveOne(broker, dlq, message, destination, allowed)) moved += 1;
      else giveBack.push(message.receipt);
    }
    if (giveBack.length > 0) await broker.nack(dlq, giveBack, 0, null);
    // Done once the queue is empty or holds only messages already looked at.
    if (fresh.length === 0) return moved;
  }
}

async function moveOne(
  broker: Broker,
  dlq: string,
  message: LeasedMessage,
  destination: string | null,
  allowed: (queue: string) => boolean,
): Promise<boolean> {
  const headers = emptyMap<string>();
  if (message.headers !== null) Object.assign(headers, JSON.parse(message.headers) as Record<string, string>);
  const target = destination ?? headers[DEAD_LETTER_SOURCE_HEADER] ?? null;
  if (target === null || target === dlq || !allowed(target)) return false;
  delete headers[DEAD_LETTER_SOURCE_HEADER];
  try {
    await broker.publish(
      target,
      [
        {
          ...(message.bodyIsBinary ? { bodyBase64: message.body } : { body: JSON.parse(message.body) as unknown }),
          headers,
          ...(isFifo(target) ? { groupId: message.groupId ?? dlq } : {}),
        },
      ],
      null,
    );
  } catch (error) {
    if (error instanceof BrokerError && error.code === "queue_not_found") return false;
    throw error;
  }
  await broker.ack(dlq, [message.receipt]);
  return true;
}
