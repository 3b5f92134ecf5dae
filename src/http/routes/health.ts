import { defineRoute, json } from "../route.ts";
import type { Service } from "../../services/service.ts";
import type { DatabaseProbe } from "../../broker/broker.ts";
import { HealthDetail, Live, Readiness } from "../response-schemas.ts";

const TAG = "health";

export type Phase = "starting" | "ready" | "draining";

/** What readiness depends on; owned by the app's start/stop sequence. */
export interface Lifecycle {
  phase(): Phase;
  services(): readonly Service[];
}

async function databaseCheck(database: DatabaseProbe): Promise<{ ok: boolean; error?: string }> {
  try {
    await database.ping();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

function serviceChecks(lifecycle: Lifecycle) {
  return lifecycle.services().map((service) => ({
    name: service.name,
    running: service.isRunning(),
    lastError: service.lastError(),
  }));
}

/**
 * Ready means: started and not draining, the database answers and accepts writes (a full disk
 * sends traffic elsewhere), and every background service runs.
 */
async function readiness(probe: DatabaseProbe, lifecycle: Lifecycle) {
  const phase = lifecycle.phase();
  const database = await databaseCheck(probe);
  const writes = database.ok ? await probe.writeHealth() : null;
  const services = serviceChecks(lifecycle);
  const stopped = services.filter((s) => !s.running).map((s) => s.name);
  const status =
    phase !== "ready"
      ? phase
      : !database.ok
        ? "database_unavailable"
        : writes && !writes.writable
          ? writes.reason
          : stopped.length > 0
            ? "services_stopped"
            : "ready";
  return { ready: status === "ready", status, phase, database: { ...database, writes }, services, stopped };
}

export function healthRoutes(probe: DatabaseProbe, lifecycle: Lifecycle, version: string) {
  const PUBLIC = { public: true } as const;
  return [
    defineRoute({
      method: "GET",
      path: "/health/live",
      operationId: "live",
      summary: "The process is up",
      tag: TAG,
      access: PUBLIC,
      responses: { 200: { description: "alive", schema: Live } },
      handle: () => json({ status: "ok" }),
    }),
    defineRoute({
      method: "GET",
      path: "/health/ready",
      operationId: "ready",
      summary:
        "200 when the database answers and accepts writes and background services run; 503 while starting, draining, when the disk is full (disk_full), while PostgreSQL refuses writes (read_only), or when either fails",
      tag: TAG,
      access: PUBLIC,
      responses: {
        200: { description: "ready", schema: Readiness },
        503: { description: "not ready; status says why", schema: Readiness },
      },
      handle: async () => {
        const { ready, status, stopped } = await readiness(probe, lifecycle);
        return json(status === "services_stopped" ? { status, stopped } : { status }, ready ? 200 : 503);
      },
    }),
    defineRoute({
      method: "GET",
      path: "/health",
      operationId: "health",
      summary: "Liveness and readiness in detail",
      tag: TAG,
      access: PUBLIC,
      responses: {
        200: { description: "ready", schema: HealthDetail },
        503: { description: "not ready; status says why", schema: HealthDetail },
      },
      handle: async () => {
        const { ready, status, phase, database, services } = await readiness(probe, lifecycle);
        return json(
          {
            status,
            live: true,
            ready,
            phase,
            version,
            leader: await probe.holdsLeadership(),
            checks: { database: { driver: probe.driver, ...database }, services },
          },
          ready ? 200 : 503,
        );
      },
    }),
  ];
}
