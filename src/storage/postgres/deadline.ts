import { databaseUnavailable, mapDatabaseError } from "./errors.ts";

/**
 * Runs one store operation against a client-side deadline, with failures mapped (a lost
 * database answers 503, not 500). The server's statement timeout bounds a slow statement, but
 * not a server that stopped answering without closing the connection (a VM gone, a network
 * partition): the client would wait for TCP to give up, minutes later. Past the deadline the
 * caller gets 503 database_unavailable at once. Like any lost answer, the operation may still
 * have been applied: clients retry with a dedup id where that matters.
 */
export async function withDeadline<T>(deadlineMs: number, work: () => Promise<T>): Promise<T> {
  const running = work();
  // Once abandoned, its late failure must not surface as an unhandled rejection.
  running.catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(databaseUnavailable(new Error(`no answer within ${deadlineMs} ms`))), deadlineMs);
  });
  try {
    return await Promise.race([running, expired]);
  } catch (error) {
    throw mapDatabaseError(error);
  } finally {
    clearTimeout(timer);
  }
}
