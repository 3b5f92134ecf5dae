import type { Action } from "../context.ts";
import { DEAD_LETTER_ACTIONS } from "./dead-letters.ts";
import { MESSAGE_ACTIONS } from "./messages.ts";
import { QUEUE_ACTIONS } from "./queues.ts";

/** Every SQS action Millrace answers, by name. */
export const ACTIONS: Record<string, Action> = { ...QUEUE_ACTIONS, ...MESSAGE_ACTIONS, ...DEAD_LETTER_ACTIONS };
