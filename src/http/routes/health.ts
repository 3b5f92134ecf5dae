import { Elysia } from "elysia";
import type { Service } from "../../services/service.ts";
import type { Store } from "../../storage/store.ts";

export type Phase = "starting" | "ready" | "draining";

/** What readiness depends on; owned by the app's start/stop sequence. */
export interface Lifecycle {
  phase(): Phase;
  services(): readonly Service[];
}

async function databaseCheck(store: Store): Promise<{ ok: boolean; error?: string }> {
  try {
    await store.ping();
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
async function readiness(store: Store, lifecycle: Lifecycle) {
  const phase = lifecycle.phase();
  const database = await databaseCheck(store);
  const writes = database.ok ? await store.writeHealth() : null;
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

export function healthRoutes(store: Store, lifecycle: Lifecycle, version: string) {
  return new Elysia({ tags: ["health"] })
    .get("/health/live", () => ({ status: "ok" }), { detail: { summary: "The process is up" } })
    .get(
      "/health/ready",
      async ({ set }) => {
        const { ready, status, stopped } = await readiness(store, lifecycle);
        set.status = ready ? 200 : 503;
        return status === "services_stopped" ? { status, stopped } : { status };
      },
      {
        detail: {
          summary:
            "200 when the database answers and accepts writes and background services run; 503 while starting, draining, when the disk is full (disk_full), or when either fails",
        },
      },
    )
    .get(
      "/health",
      async ({ set }) => {
        const { ready, status, phase, database, services } = await readiness(store, lifecycle);
        set.status = ready ? 200 : 503;
        return {
          status,
          live: true,
          ready,
          phase,
          version,
          checks: { database: { driver: store.dialect, ...database }, services },
        };
      },
      { detail: { summary: "Liveness and readiness in detail" } },
    );
}
