import { Elysia } from "elysia";
import type { Store } from "../../storage/store.ts";

export type Phase = "starting" | "ready" | "draining";

/** What readiness depends on; owned by the app's start/stop sequence. */
export interface Lifecycle {
  phase(): Phase;
}

async function databaseCheck(store: Store): Promise<{ ok: boolean; error?: string }> {
  try {
    await store.ping();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

export function healthRoutes(store: Store, lifecycle: Lifecycle, version: string) {
  return new Elysia({ tags: ["health"] })
    .get("/health/live", () => ({ status: "ok" }), { detail: { summary: "The process is up" } })
    .get(
      "/health/ready",
      async ({ set }) => {
        const phase = lifecycle.phase();
        const database = phase === "ready" ? await databaseCheck(store) : { ok: false };
        const ready = phase === "ready" && database.ok;
        set.status = ready ? 200 : 503;
        return { status: ready ? "ready" : phase === "ready" ? "database_unavailable" : phase };
      },
      {
        detail: { summary: "200 when the database answers and the broker is serving; 503 while starting or draining" },
      },
    )
    .get(
      "/health",
      async ({ set }) => {
        const phase = lifecycle.phase();
        const database = await databaseCheck(store);
        const ready = phase === "ready" && database.ok;
        set.status = ready ? 200 : 503;
        return {
          status: ready ? "ready" : "not_ready",
          phase,
          version,
          checks: { database: { driver: store.dialect, ...database } },
        };
      },
      { detail: { summary: "Liveness and readiness in detail" } },
    );
}
