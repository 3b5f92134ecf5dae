import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKey } from "../../src/auth/api-key-format.ts";
import { spawnServe, until, type ServeProcess } from "../helpers/spawn-serve.ts";

// SIGHUP (systemctl reload) re-reads the API keys file in the running process.

const dirs: string[] = [];
const procs: ServeProcess[] = [];
afterEach(() => {
  for (const served of procs.splice(0)) if (served.proc.exitCode === null) served.proc.kill("SIGKILL");
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

test("SIGHUP reloads the keys file; per-key rate limits are separate buckets; refusals are limited per address", async () => {
  const dir = mkdtempSync(join(tmpdir(), "millrace-reload-"));
  dirs.push(dir);
  const keysFile = join(dir, "keys");
  const first = generateKey(["admin"], ["*"], "first");
  const second = generateKey(["admin"], ["*"], "second");
  writeFileSync(keysFile, `${first.line}\n`);
  const served = await spawnServe(join(dir, "data"), {
    MILLRACE_AUTH: "api-key",
    MILLRACE_API_KEYS_FILE: keysFile,
    MILLRACE_RATE_LIMIT_PER_SECOND: "0.01",
    MILLRACE_RATE_LIMIT_BURST: "2",
  });
  procs.push(served);
  const list = (key: string) => fetch(`${served.api}/v1/queues`, { headers: { authorization: `Bearer ${key}` } });

  expect((await list(first.key)).status).toBe(200);
  expect((await list(first.key)).status).toBe(200);
  expect((await list(first.key)).status).toBe(429);

  writeFileSync(keysFile, `${first.line}\n${second.line}\n`);
  served.proc.kill("SIGHUP");
  expect(await until(async () => served.output().includes('"msg":"reload requested"'))).toBe(true);
  expect(await until(async () => served.output().includes('"keys":2'))).toBe(true);
  // Same client IP, another principal: its own bucket.
  expect((await list(second.key)).status).toBe(200);
  expect(served.proc.exitCode).toBeNull();

  // Refused credentials spend the client address's bucket, so guessing is rate limited too.
  const guesses = [];
  for (let i = 0; i < 3; i++) guesses.push((await list(`mrk_${"0".repeat(16)}_${"A".repeat(43)}`)).status);
  expect(guesses).toEqual([401, 401, 429]);

  served.proc.kill("SIGTERM");
  expect(await served.proc.exited).toBe(0);
}, 60_000);
