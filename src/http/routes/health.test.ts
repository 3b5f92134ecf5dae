import { afterAll, beforeAll, expect, test } from "bun:test";
import { openTestStore } from "../../../test/helpers/test-store.ts";
import { createLogger } from "../../observability/logger.ts";
import { PeriodicService } from "../../services/service.ts";
import type { Store } from "../../storage/store.ts";
import { Broker } from "../../broker/broker.ts";
import { responseOf } from "../route.ts";
import { Router } from "../router.ts";
import { healthRoutes, type Phase } from "./health.ts";

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ store, cleanup } = await openTestStore()));
afterAll(() => cleanup());

const quiet = createLogger("error", () => undefined);

test("readiness needs the ready phase, the database and every background service running", async () => {
  let phase: Phase = "starting";
  const sweeper = new PeriodicService("sweeper", 60_000, async () => undefined, quiet);
  const failing = new PeriodicService(
    "failing",
    60_000,
    async () => {
      throw new Error("disk on fire");
    },
    quiet,
    0,
  );
  const router = new Router(
    healthRoutes(new Broker(store).database, { phase: () => phase, services: () => [sweeper, failing] }, "test"),
  );
  const get = async (path: string) => {
    const match = router.match("GET", path);
    if (match.kind !== "route") throw new Error(`no health route ${path}`);
    const request = new Request(`http://localhost${path}`);
    const response = responseOf(
      await match.route.handle({
        params: {},
        query: {},
        body: undefined,
        request,
        server: null as never,
        principal: null,
      }),
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  expect(await get("/health/ready")).toEqual({ status: 503, body: { status: "starting" } });
  expect((await get("/health/live")).status).toBe(200);

  phase = "ready";
  expect(await get("/health/ready")).toEqual({
    status: 503,
    body: { status: "services_stopped", stopped: ["sweeper", "failing"] },
  });
  sweeper.start();
  failing.start();
  // A service whose run fails keeps running (it retries); /health shows the error.
  for (let i = 0; i < 100 && failing.lastError() === null; i++) await Bun.sleep(10);
  expect(await get("/health/ready")).toEqual({ status: 200, body: { status: "ready" } });
  const detail = await get("/health");
  expect(detail.status).toBe(200);
  expect(detail.body).toMatchObject({
    status: "ready",
    live: true,
    ready: true,
    checks: {
      database: { driver: "sqlite", ok: true },
      services: [
        { name: "sweeper", running: true, lastError: null },
        { name: "failing", running: true, lastError: "disk on fire" },
      ],
    },
  });

  await sweeper.stop();
  expect(await get("/health/ready")).toEqual({
    status: 503,
    body: { status: "services_stopped", stopped: ["sweeper"] },
  });
  await failing.stop();
  phase = "draining";
  expect(await get("/health/ready")).toEqual({ status: 503, body: { status: "draining" } });
  expect((await get("/health")).body).toMatchObject({ status: "draining", live: true, ready: false });
});
