import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SETTINGS } from "../../src/config/schema.ts";
import { Nginx, SHIPPED_NGINX_CONF } from "../helpers/nginx.ts";
import { startServer, type ServerProcess } from "../helpers/spawn-serve.ts";

// packaging/nginx/millrace.conf used for real: two `bun src/main.ts serve` instances (each its own
// SQLite data dir, so each is an independent broker) behind nginx. The shipped file is included
// as is, except that its upstream server line becomes the two test instances and `listen 80`
// becomes a free loopback port.

const SHIPPED = SHIPPED_NGINX_CONF;
const JSON_HEADERS = { "content-type": "application/json" };

let dir: string;
let a: ServerProcess;
let b: ServerProcess | null;
const proxies: Nginx[] = [];

async function queueNames(url: string): Promise<string[]> {
  const response = await fetch(`${url}/v1/queues`);
  expect(response.status).toBe(200);
  const { queues } = (await response.json()) as { queues: Array<{ name: string }> };
  return queues.map((queue) => queue.name);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "millrace-nginx-test-"));
  [a, b] = await Promise.all([
    startServer({ MILLRACE_DATA_DIR: join(dir, "a") }),
    startServer({ MILLRACE_DATA_DIR: join(dir, "b") }),
  ]);
  // Each instance is its own broker; a queue named after it tells who answered.
  for (const [server, name] of [
    [a, "on-a"],
    [b, "on-b"],
  ] as const) {
    const response = await fetch(`${server.url}/v1/queues/${name}`, {
      method: "PUT",
      headers: JSON_HEADERS,
      body: "{}",
    });
    expect(response.status).toBe(201);
  }
});

afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.stop()));
  await Promise.all([a?.stop(), b?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function proxy(name: string): Promise<Nginx> {
  const upstreams = [a, b ?? a].map((server) => server.url.replace("http://", ""));
  const nginx = new Nginx(join(dir, name), upstreams);
  proxies.push(nginx);
  await nginx.start();
  return nginx;
}

describe("nginx in front of two instances (packaging/nginx/millrace.conf)", () => {
  test("its limits agree with Millrace's defaults", () => {
    const seconds = (name: string) => Number(new RegExp(`^\\s*${name} (\\d+)s;`, "m").exec(SHIPPED)?.[1]);
    const idleTimeout = SETTINGS.idleTimeoutSeconds.default({});
    expect(seconds("keepalive_timeout")).toBeLessThan(idleTimeout);
    expect(seconds("proxy_read_timeout")).toBeGreaterThan(60); // the longest long-poll
    expect(/client_max_body_size 1m;/.test(SHIPPED) && SETTINGS.maxBodyBytes.default({}) === 1024 * 1024).toBe(true);
    expect(SHIPPED).toMatch(/^\s*least_conn;/m);
    expect(SHIPPED).toMatch(/^\s*limit_req_status 429;/m);
    expect(SHIPPED).toMatch(/proxy_set_header X-Request-Id /);
    expect(SHIPPED).toMatch(/proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
    expect(SHIPPED).not.toContain("non_idempotent");
  });

  test("spreads requests over both instances and enforces the body limit", async () => {
    const nginx = await proxy("balance");
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const names = await queueNames(nginx.url);
      expect(names.length).toBe(1);
      seen.add(names[0]!);
    }
    expect([...seen].sort()).toEqual(["on-a", "on-b"]);
    expect((await fetch(`${nginx.url}/health/ready`)).status).toBe(200);

    const tooBig = await fetch(`${nginx.url}/v1/queues/on-a/messages`, {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ body: "x".repeat(1024 * 1024 + 1) }),
    });
    expect(tooBig.status).toBe(413);
    expect(tooBig.headers.get("server") ?? "").toContain("nginx");
  });

  test("GETs fail over to the live instance; a POST to the dead one is not retried", async () => {
    const getProxy = await proxy("failover-get");
    const postProxy = await proxy("failover-post");
    // Both proxies are warm and have picked each instance once.
    for (let i = 0; i < 2; i++) {
      await queueNames(getProxy.url);
      await queueNames(postProxy.url);
    }
    expect(await b!.stop()).toBe(0);
    b = null;

    // Every GET answers 200, from a: nginx retries the one sent to b on a.
    for (let i = 0; i < 6; i++) expect(await queueNames(getProxy.url)).toEqual(["on-a"]);

    // A POST nginx sends to b is not retried on a: the client sees 502 and may retry itself.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${postProxy.url}/v1/queues/on-a/messages`, {
        method: "POST",
        headers: JSON_HEADERS,
        body: JSON.stringify({ body: { i } }),
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 2).sort()).toEqual([201, 502]);
    const created = statuses.filter((status) => status === 201).length;
    const stats = (await (await fetch(`${a.url}/v1/queues/on-a`)).json()) as { stats: { ready: number } };
    expect(stats.stats.ready).toBe(created);
  });

  test("limit_req answers 429 (from nginx, not Millrace) when a client floods", async () => {
    const nginx = await proxy("ratelimit");
    let limited: Response | null = null;
    let sent = 0;
    // 100 r/s with a burst of 200: this many requests cannot all fit unless they took > 48 s.
    while (!limited && sent < 5000) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => fetch(`${nginx.url}/health/live`)));
      sent += batch.length;
      limited = batch.find((response) => response.status === 429) ?? null;
      for (const response of batch) if (response !== limited) await response.arrayBuffer();
    }
    expect(limited?.status).toBe(429);
    expect(limited!.headers.get("server") ?? "").toContain("nginx");
    expect(limited!.headers.get("content-type") ?? "").toContain("text/html");
  });
});
