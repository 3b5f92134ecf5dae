import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKey } from "../../src/auth/api-key-format.ts";
import { SQLITE_FILE_NAME } from "../../src/storage/sqlite/data-file.ts";
import type { HttpServers } from "../../src/http/server.ts";
import { FuzzTarget } from "./fuzz-harness.ts";
import type { FuzzContext } from "./hostile-input.ts";
import { routeCatalog, type CatalogRoute } from "./route-catalog.ts";
import { startApp, type RunningApp } from "./start-app.ts";
import { StateReader } from "./state-snapshot.ts";

// A real server for the fuzz tests, with known state in it (a queue with ready, leased and dead
// messages, an empty queue, a topic with a subscription), so that hostile requests reach handlers
// that have something to change, and the route catalog read from the server itself.

export interface FuzzServer {
  running: RunningApp;
  target: FuzzTarget;
  catalog: CatalogRoute[];
  context: FuzzContext;
  /** The Authorization header with every scope on every name (null without auth). */
  admin: string | null;
  /** Puts the known state back (a fuzzed DELETE may have removed it), with fresh message ids. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startFuzzServer(options: { auth: boolean }): Promise<FuzzServer> {
  const keysDir = mkdtempSync(join(tmpdir(), "millrace-fuzz-keys-"));
  const keys = {
    // Every scope on every name: the requests that get furthest, into validation and the handlers.
    all: generateKey(["admin", "publish", "consume"], ["*"], "all"),
    admin: generateKey(["admin"], ["*"], "admin"),
    publisher: generateKey(["publish"], ["fz-*"], "publisher"),
    consumer: generateKey(["consume"], ["fz-*"], "consumer"),
    otherAdmin: generateKey(["admin"], ["other-*"], "other-admin"),
  };
  const keysFile = join(keysDir, "api-keys");
  writeFileSync(
    keysFile,
    Object.values(keys)
      .map((key) => key.line)
      .join("\n") + "\n",
  );
  // API mode: the invariants compare the stored state around each refused request, and the
  // webhook worker would deliver (and record attempts for) the random delivery settings the
  // fuzzer PUTs, writing in between.
  const env: Record<string, string> = {
    MILLRACE_ACCESS_LOG: "false",
    MILLRACE_LOG_LEVEL: "warn",
    MILLRACE_MODE: "api",
  };
  if (options.auth) Object.assign(env, { MILLRACE_AUTH: "api-key", MILLRACE_API_KEYS_FILE: keysFile });
  else env.MILLRACE_DOCS = "true";
  const running = await startApp(env);
  const admin = options.auth ? `Bearer ${keys.all.key}` : null;
  const reader = new StateReader(join(running.dataDir, SQLITE_FILE_NAME));
  const target = new FuzzTarget(running.url, reader, () => requestsInFlight(running));
  const context: FuzzContext = { ...(await seed(running.url, admin)), authorizations: [] };
  if (admin) {
    const others = [keys.admin, keys.publisher, keys.consumer, keys.otherAdmin].map((key) => `Bearer ${key.key}`);
    context.authorizations = [admin, admin, admin, ...others];
  }
  return {
    running,
    target,
    catalog: await routeCatalog(running.url),
    context,
    admin,
    reset: async () => {
      Object.assign(context, await seed(running.url, admin));
      target.invalidate();
    },
    stop: async () => {
      reader.close();
      await running.stop();
      rmSync(keysDir, { recursive: true, force: true });
    },
  };
}

/**
 * The API listener's in-flight count. The App keeps its servers private; this test reads them
 * because the only public view of the count (/metrics) is too slow to poll after every request.
 */
function requestsInFlight(running: RunningApp): number {
  const http = (running.app as unknown as { http: HttpServers | null }).http;
  if (!http) throw new Error("the app has no HTTP servers (App.http moved?)");
  return http.edge.requestsInFlight();
}

async function seed(url: string, authorization: string | null): Promise<Pick<FuzzContext, "known" | "fields">> {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`seeding: ${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as Record<string, any>;
  };
  // Start over: deleting the queues deletes their messages, and the topic its subscriptions.
  for (const path of ["/v1/topics/fz-events", "/v1/queues/fz-orders", "/v1/queues/fz-empty"]) {
    const response = await fetch(`${url}${path}`, {
      method: "DELETE",
      headers: authorization ? { authorization } : {},
    });
    if (response.status !== 204 && response.status !== 404)
      throw new Error(`seeding: DELETE ${path} answered ${response.status}`);
  }
  await call("PUT", "/v1/queues/fz-orders", { maxAttempts: 1 });
  await call("PUT", "/v1/queues/fz-empty", {});
  const published = await call("POST", "/v1/queues/fz-orders/messages", {
    messages: [1, 2, 3, 4].map((n) => ({ body: { n }, headers: { type: "order.paid" }, dedupId: `d${n}` })),
  });
  const ids = (published.messages as Array<{ id: string }>).map((message) => message.id);
  // One message dies (one attempt allowed, then a nack); one stays leased for twelve hours.
  const dying = await call("POST", "/v1/queues/fz-orders/receive", { max: 1 });
  if (dying.messages.length === 0) {
    const stats = await call("GET", "/v1/queues/fz-orders");
    throw new Error(
      `seeding: nothing to receive after publishing ${JSON.stringify(published)}; queue ${JSON.stringify(stats)}`,
    );
  }
  await call("POST", "/v1/queues/fz-orders/nack", { receipts: [dying.messages[0].receipt], error: "seeded" });
  const held = await call("POST", "/v1/queues/fz-orders/receive", { max: 1, visibilityTimeoutSeconds: 43_200 });
  await call("PUT", "/v1/topics/fz-events");
  await call("PUT", "/v1/topics/fz-events/subscriptions/fz-sub", {
    queue: "fz-orders",
    filter: { type: "order.paid" },
  });
  const queue = await call("GET", "/v1/queues/fz-orders");
  const { ready, leased, dead } = queue.stats as Record<string, number>;
  if (!(ready === 2 && leased === 1 && dead === 1))
    throw new Error(`seeding: unexpected stats ${JSON.stringify(queue.stats)}`);
  const receipt = held.messages[0].receipt as string;
  return {
    known: { queue: ["fz-orders", "fz-empty"], topic: ["fz-events"], name: ["fz-sub"], id: ids },
    fields: {
      receipts: [[receipt], [receipt, receipt], [ids[0], receipt]],
      queue: ["fz-orders", "fz-empty"],
      ids: [ids],
    },
  };
}
