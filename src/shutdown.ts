import type { Broker } from "./broker/broker.ts";
import type { HttpServers } from "./http/server.ts";
import { errorContext, type Logger } from "./observability/logger.ts";
import type { Service } from "./services/service.ts";

export interface DrainPlan {
  logger: Logger;
  timeoutMs: number;
  /** How long readiness reports 503 before the listener closes. */
  delayMs: number;
  enterDraining: () => void;
  http: HttpServers | null;
  broker: Broker | null;
  services: Service[];
  close: () => Promise<void>;
}

/**
 * The shutdown sequence of DESIGN §6, within the timeout: readiness 503 (and a pause so load
 * balancers notice), stop accepting connections, release long-polls, let in-flight requests
 * finish, stop background services, release the leases this instance handed out, close the
 * database. Leases are released only once no request of ours can take or settle one any more;
 * each counts as a failed attempt with no backoff, so the message is ready at once for another
 * instance or after the restart instead of waiting out its visibility timeout. Nothing
 * acknowledged is lost because every 201 was sent after its commit.
 */
export async function drainAndClose(plan: DrainPlan): Promise<void> {
  const { logger, http, broker } = plan;
  const deadline = Date.now() + plan.timeoutMs;
  plan.enterDraining();
  logger.info("shutdown: readiness now answers 503", { delay_ms: plan.delayMs });
  const api = http?.api ?? null;
  if (api && plan.delayMs > 0) await sleep(Math.min(plan.delayMs, Math.max(0, deadline - Date.now() - 1000)));

  if (http && api) {
    const closed = Promise.all([api.stop(false), http.sqs?.stop(false)]);
    logger.info("shutdown: stopped accepting connections");
    broker?.drain();
    logger.info("shutdown: waiting long-polls released");
    const finished = await withDeadline(
      Promise.all([closed, waitUntil(() => http.edge.requestsInFlight() === 0, deadline)]),
      deadline,
    );
    if (!finished) {
      logger.warn("shutdown: requests still running at the timeout; closing their connections", {
        in_flight: http.edge.requestsInFlight(),
      });
      await Promise.all([api.stop(true), http.sqs?.stop(true)]);
    } else {
      logger.info("shutdown: in-flight requests finished");
    }
  } else {
    broker?.drain();
  }
  await http?.metrics?.stop(true);

  await withDeadline(Promise.all(plan.services.map((service) => service.stop())), deadline);
  logger.info("shutdown: background services stopped");
  if (broker) {
    try {
      const released = await broker.releaseLeases();
      logger.info("shutdown: leases released", { released });
    } catch (error) {
      // Not fatal: unreleased leases still return when they expire.
      logger.error("shutdown: could not release leases; they return when they expire", errorContext(error));
    }
  }
  await plan.close();
  logger.info("shutdown: database closed; bye");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(condition: () => boolean, deadline: number): Promise<void> {
  while (!condition() && Date.now() < deadline) await sleep(10);
}

async function withDeadline(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise.then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
