import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, startServer, type ServerProcess } from "../helpers/spawn-serve.ts";

// Backup under write load, then restore: the restored queue holds exactly a consistent prefix of
// the acknowledged publishes — everything acknowledged before the backup began, nothing sent
// after it ended — and every message in it was acknowledged.

const JSON_HEADERS = { "content-type": "application/json" };
let dir: string;
let dataDir: string;
let server: ServerProcess | null = null;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "millrace-backup-test-"));
  dataDir = join(dir, "data");
});

afterAll(async () => {
  if (server) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Published {
  id: string;
  /** Which sequential publisher sent it (-1 for the preloaded batches). */
  loop: number;
  sentAt: number;
  ackedAt: number;
}

async function publishLoop(url: string, loop: number, stop: () => boolean, into: Published[]): Promise<void> {
  while (!stop()) {
    const sentAt = performance.now();
    const response = await fetch(`${url}/v1/queues/orders/messages`, {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ body: { sentAt, pad: "x".repeat(200) } }),
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    into.push({ id, loop, sentAt, ackedAt: performance.now() });
  }
}

async function drainIds(url: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (;;) {
    const response = await fetch(`${url}/v1/queues/orders/receive`, {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ max: 1000, visibilityTimeoutSeconds: 600 }),
    });
    expect(response.status).toBe(200);
    const { messages } = (await response.json()) as { messages: Array<{ id: string }> };
    if (messages.length === 0) return ids;
    for (const message of messages) ids.add(message.id);
  }
}

async function readyCount(url: string): Promise<number> {
  const response = await fetch(`${url}/v1/queues/orders`);
  expect(response.status).toBe(200);
  const { stats } = (await response.json()) as { stats: { ready: number } };
  return stats.ready;
}

describe("millrace backup and restore", () => {
  test("a backup taken while publishing restores exactly the acknowledged prefix", async () => {
    server = await startServer({ MILLRACE_DATA_DIR: dataDir });
    const { url } = server;
    expect((await fetch(`${url}/v1/queues/orders`, { method: "PUT", headers: JSON_HEADERS, body: "{}" })).status).toBe(
      201,
    );
    // Some history first, so the copy has real work to do while publishes keep arriving.
    const published: Published[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const sentAt = performance.now();
      const response = await fetch(`${url}/v1/queues/orders/messages`, {
        method: "POST",
        headers: JSON_HEADERS,
        body: JSON.stringify({
          messages: Array.from({ length: 1000 }, (_, i) => ({ body: { batch, i, pad: "y".repeat(200) } })),
        }),
      });
      expect(response.status).toBe(201);
      const { messages } = (await response.json()) as { messages: Array<{ id: string }> };
      for (const { id } of messages) published.push({ id, loop: -1, sentAt, ackedAt: performance.now() });
    }

    let stopping = false;
    const loops = Array.from({ length: 8 }, (_, loop) => publishLoop(url, loop, () => stopping, published));
    while (published.length < 20_500) await Bun.sleep(5); // the load is running
    const backupFile = join(dir, "snapshot.db");
    const backupStartedAt = performance.now();
    const backup = await runCli(["backup", "--data-dir", dataDir, "--output", backupFile]);
    const backupEndedAt = performance.now();
    const countAtEnd = published.length;
    while (published.length < countAtEnd + 200) await Bun.sleep(5); // and keeps running after it
    stopping = true;
    await Promise.all(loops);
    expect(backup.stderr).toBe("");
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain("integrity ok");
    const duringBackup = published.filter((p) => p.ackedAt > backupStartedAt && p.sentAt < backupEndedAt).length;
    console.log(`published ${published.length} messages; ${duringBackup} were acknowledged while the backup ran`);

    // Restoring while the server runs is refused, and changes nothing.
    const refused = await runCli(["restore", "--data-dir", dataDir, backupFile]);
    expect(refused.code).toBe(75);
    expect(refused.stderr).toContain("systemctl stop millrace");
    expect(await readyCount(url)).toBe(published.length);

    expect(await server.stop()).toBe(0);
    server = null;
    const restored = await runCli(["restore", "--data-dir", dataDir, backupFile]);
    expect(restored.stderr).toBe("");
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain("integrity ok");
    const keptAside = readdirSync(dataDir).filter((name) => name.startsWith("millrace.db.before-restore-"));
    expect(keptAside.filter((name) => !name.endsWith("-wal") && !name.endsWith("-shm"))).toHaveLength(1);

    server = await startServer({ MILLRACE_DATA_DIR: dataDir });
    const count = await readyCount(server.url);
    const ids = await drainIds(server.url);
    expect(ids.size).toBe(count);

    const acknowledged = new Map(published.map((p) => [p.id, p]));
    const mustBeIn = published.filter((p) => p.ackedAt < backupStartedAt);
    const mustNotBeIn = published.filter((p) => p.sentAt > backupEndedAt);
    expect(mustNotBeIn.length).toBeGreaterThan(0);
    expect(mustBeIn.filter((p) => !ids.has(p.id))).toEqual([]);
    expect(mustNotBeIn.filter((p) => ids.has(p.id))).toEqual([]);
    expect([...ids].filter((id) => !acknowledged.has(id))).toEqual([]);
    // Consistency: each publisher sends one message at a time, so in a snapshot its messages form
    // a prefix: once one is missing, every later one from that publisher is missing too.
    for (let loop = 0; loop < 8; loop++) {
      const presence = published.filter((p) => p.loop === loop).map((p) => ids.has(p.id));
      const firstMissing = presence.indexOf(false);
      expect(firstMissing).toBeGreaterThan(0);
      expect(presence.slice(firstMissing).filter(Boolean)).toEqual([]);
    }
    // Counting: the restored messages are the 201s given up to the backup point.
    expect(count).toBeGreaterThanOrEqual(mustBeIn.length);
    expect(count).toBeLessThanOrEqual(published.length - mustNotBeIn.length);
    expect(await server.stop()).toBe(0);
    server = null;
  });

  test("restore refuses a damaged backup and leaves the database alone", async () => {
    const bogus = join(dir, "bogus.db");
    writeFileSync(bogus, "this is not a database".repeat(100));
    const result = await runCli(["restore", "--data-dir", dataDir, bogus]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the backup is not usable");
    expect(result.stderr).toContain("nothing was changed");
    expect(existsSync(join(dataDir, "millrace.db"))).toBe(true);
  });

  test("--output-dir with --keep rotates the oldest backups away", async () => {
    const out = join(dir, "rotating");
    for (let i = 0; i < 3; i++) {
      const result = await runCli(["backup", "--data-dir", dataDir, "--output-dir", out, "--keep", "2"]);
      expect(result.code).toBe(0);
      await Bun.sleep(2); // distinct millisecond timestamps in the names
    }
    const files = readdirSync(out).filter((name) => /^millrace-.*\.db$/.test(name));
    expect(files).toHaveLength(2);
  });

  test("with PostgreSQL configured, backup prints the pg_dump advice instead", async () => {
    const result = await runCli(["backup", "--data-dir", dataDir], {
      MILLRACE_DATABASE_URL: "postgres://millrace@db.example/millrace",
    });
    expect(result.code).toBe(69);
    expect(result.stderr).toContain("pg_dump");
  });
});
