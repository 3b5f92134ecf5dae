import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, runCli, spawnServe, type ServeProcess } from "../helpers/spawn-serve.ts";

// One server per data directory, with real processes: a second `serve` (or `migrate`, or
// `restore`) on a held directory exits 75 naming the holder, and the kernel frees the lock
// when the holder dies, kill -9 included.

const dirs: string[] = [];
const procs: ServeProcess[] = [];
afterEach(() => {
  for (const served of procs.splice(0)) if (served.proc.exitCode === null) served.proc.kill("SIGKILL");
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "millrace-lock-"));
  dirs.push(dir);
  return dir;
}

async function serve(dataDir: string): Promise<ServeProcess> {
  const served = await spawnServe(dataDir);
  procs.push(served);
  return served;
}

test("a second server on the same data directory exits 75 naming the first, which keeps serving", async () => {
  const dataDir = tempDir();
  const first = await serve(dataDir);
  expect((await fetch(`${first.api}/v1/queues/shared`, { method: "PUT", body: "{}" })).status).toBe(201);

  const second = await runCli(["serve"], { MILLRACE_DATA_DIR: dataDir, MILLRACE_LISTEN: `127.0.0.1:${freePort()}` });
  expect(second.code).toBe(75);
  expect(second.stderr).toContain(`in use by another Millrace process (pid ${first.proc.pid}`);
  expect(second.stderr).toContain("MILLRACE_DATA_DIR");

  const migrate = await runCli(["migrate", "--data-dir", dataDir]);
  expect(migrate.code).toBe(75);
  expect(migrate.stderr).toContain(`pid ${first.proc.pid}`);

  const published = await fetch(`${first.api}/v1/queues/shared/messages`, {
    method: "POST",
    body: JSON.stringify({ body: 1 }),
  });
  expect(published.status).toBe(201);
}, 90_000);

test("after kill -9 of the holder, a new server starts on the directory and has its data", async () => {
  const dataDir = tempDir();
  const first = await serve(dataDir);
  expect((await fetch(`${first.api}/v1/queues/survivor`, { method: "PUT", body: "{}" })).status).toBe(201);
  first.proc.kill("SIGKILL");
  await first.proc.exited;

  const next = await serve(dataDir);
  expect((await fetch(`${next.api}/v1/queues/survivor`)).status).toBe(200);
  next.proc.kill("SIGTERM");
  expect(await next.proc.exited).toBe(0);
  // A clean stop frees the directory too.
  const after = await serve(dataDir);
  expect((await fetch(`${after.api}/v1/queues/survivor`)).status).toBe(200);
}, 90_000);
