import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, until, type ServerProcess } from "../helpers/spawn-serve.ts";

// A real full disk: the data directory lives on a small tmpfs that this test mounts, with a
// ballast file it deletes to give space back. Mounting needs root; anywhere else the test fails
// and says so, rather than passing without having looked.

const TMPFS_SIZE = "4m";
/** Deleted to free space; large enough for the writes that follow, small enough to fill quickly. */
const BALLAST_BYTES = 1536 * 1024;
const JSON_HEADERS = { "content-type": "application/json" };

let mountPoint = "";
let mounted = false;
let server: ServerProcess | null = null;

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return { ok: result.status === 0, output: `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ?? ""}` };
}

beforeAll(() => {
  mountPoint = mkdtempSync(join(tmpdir(), "millrace-diskfull-"));
  if (process.getuid?.() !== 0) {
    throw new Error(
      "disk-full.test.ts mounts a tmpfs as the data directory and must run as root (uid 0); " +
        `this process runs as uid ${process.getuid?.()}. Run scripts/test as root (for example in the CI container)`,
    );
  }
  const mount = run("mount", ["-t", "tmpfs", "-o", `size=${TMPFS_SIZE}`, "tmpfs", mountPoint]);
  if (!mount.ok) {
    throw new Error(
      `disk-full.test.ts could not mount a ${TMPFS_SIZE} tmpfs at ${mountPoint}: ${mount.output.trim()}. ` +
        "It needs root with CAP_SYS_ADMIN (a privileged container)",
    );
  }
  mounted = true;
});

afterAll(async () => {
  if (server) await server.stop();
  if (mounted) run("umount", [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

async function publish(url: string, i: number): Promise<Response> {
  return fetch(`${url}/v1/queues/fill/messages`, {
    method: "POST",
    headers: JSON_HEADERS,
    body: JSON.stringify({ body: { i, pad: "x".repeat(16 * 1024) } }),
  });
}

async function readyStatus(url: string): Promise<{ status: number; body: { status?: string } }> {
  const response = await fetch(`${url}/health/ready`);
  return { status: response.status, body: (await response.json()) as { status?: string } };
}

test("a full data directory answers 507 with Retry-After, turns readiness 503, logs once, loses nothing and recovers by itself", async () => {
  const dataDir = join(mountPoint, "data");
  mkdirSync(dataDir);
  const ballast = join(mountPoint, "ballast");
  writeFileSync(ballast, Buffer.alloc(BALLAST_BYTES, 1));
  server = await startServer({ MILLRACE_DATA_DIR: dataDir, MILLRACE_SHUTDOWN_DELAY_SECONDS: "0" });
  const { url } = server;
  expect((await fetch(`${url}/v1/queues/fill`, { method: "PUT", headers: JSON_HEADERS, body: "{}" })).status).toBe(201);

  // Fill the disk in bursts, so that the writer commits several publishes per transaction and a
  // failure mid-batch is exercised too. Every 201 is an acknowledged message that must survive.
  const accepted: string[] = [];
  let refused: Response | null = null;
  for (let burst = 0; burst < 200 && !refused; burst++) {
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => publish(url, burst * 8 + i)));
    for (const response of responses) {
      if (response.status === 201) accepted.push(((await response.json()) as { id: string }).id);
      else if (refused) await response.arrayBuffer();
      else refused = response;
    }
  }
  expect(refused).not.toBeNull();
  expect(accepted.length).toBeGreaterThan(0);
  const first = refused!;
  expect(first.status).toBe(507);
  expect(first.headers.get("retry-after")).toBe("5");
  const error = ((await first.json()) as { error: { code: string; message: string } }).error;
  expect(error.code).toBe("disk_full");
  expect(error.message).toContain("data directory (MILLRACE_DATA_DIR) is full");

  // A burst may be refused while single messages still fit: fill the last of the space one by one.
  for (let i = 0; i < 1000; i++) {
    const response = await publish(url, 10_000 + i);
    if (response.status !== 201) {
      expect(response.status).toBe(507);
      break;
    }
    accepted.push(((await response.json()) as { id: string }).id);
  }
  // More refused writes in the same episode: all 507, still one log line.
  for (let i = 0; i < 5; i++) expect((await publish(url, 11_000 + i)).status).toBe(507);
  expect(await readyStatus(url)).toEqual({ status: 503, body: { status: "disk_full" } });
  // Reads need no space.
  expect((await fetch(`${url}/v1/queues/fill/messages/${accepted[0]}`)).status).toBe(200);
  const episodeLines = () => server!.lines.filter((line) => line.includes('"the data directory is full'));
  expect(await until(async () => episodeLines().length > 0)).toBe(true);
  expect(episodeLines()).toHaveLength(1);
  // Nor one error line per refused request.
  expect(server.lines.filter((line) => line.includes('"level":"error"') && line.includes('"status":507'))).toEqual([]);
  const logged = JSON.parse(episodeLines()[0]!) as Record<string, unknown>;
  expect(logged.level).toBe("error");
  expect(String(logged.database_error)).toMatch(/full/i);
  expect(logged.data_dir).toBe(dataDir);

  // Give space back: readiness recovers by itself (its probe write succeeds), then publishing works.
  rmSync(ballast);
  expect(await until(async () => (await readyStatus(url)).status === 200)).toBe(true);
  expect(
    await until(async () => server!.lines.some((line) => line.includes("the data directory has space again"))),
  ).toBe(true);
  const after = await publish(url, 20_000);
  expect(after.status).toBe(201);
  accepted.push(((await after.json()) as { id: string }).id);
  expect(episodeLines()).toHaveLength(1);

  // Every acknowledged message is there, also after a restart.
  const missing = async (base: string) => {
    const lost: string[] = [];
    for (const id of accepted) {
      const response = await fetch(`${base}/v1/queues/fill/messages/${id}`);
      if (response.status !== 200) lost.push(`${id}: ${response.status}`);
    }
    return lost;
  };
  expect(await missing(url)).toEqual([]);
  expect(await server.stop()).toBe(0);
  server = await startServer({ MILLRACE_DATA_DIR: dataDir, MILLRACE_SHUTDOWN_DELAY_SECONDS: "0" });
  expect(await missing(server.url)).toEqual([]);
}, 120_000);
