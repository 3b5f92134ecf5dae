import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/index.ts";
import { VERSION } from "../../src/version.ts";
import { freePort, runCli as spawnCli, startServer, until } from "../helpers/spawn-serve.ts";

// check-config and serve take the same start-time decision; unknown MILLRACE_* variables are an
// error for check-config and a warning for serve; serve says in one plain line that it is ready.

async function cli(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, env, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("check-config and serve agree", () => {
  test("a misspelled variable fails check-config with exit 78 and the nearest name", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "millrace-cc-"));
    try {
      const result = await cli(["check-config"], { MILLRACE_DATA_DIR: dataDir, MILLRACE_LISTNE: "127.0.0.1:1" });
      expect(result.code).toBe(78);
      expect(result.err).toContain(
        "config error: MILLRACE_LISTNE: is not a Millrace setting and is ignored; did you mean MILLRACE_LISTEN?",
      );
      const ok = await cli(["check-config"], {
        MILLRACE_DATA_DIR: dataDir,
        MILLRACE_URL: "http://x",
        MILLRACE_ROOT: "/",
      });
      expect(ok).toMatchObject({ code: 0, out: "configuration is valid" });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("a PostgreSQL URL passes check-config; serve exits 70 and migrate 69 when it does not answer, never printing its password", async () => {
    const env = { MILLRACE_DATABASE_URL: `postgres://millrace:hunter2@127.0.0.1:${freePort()}/millrace` };
    const check = await cli(["check-config"], env);
    expect(check).toMatchObject({ code: 0, out: "configuration is valid" });
    // As processes, to see what reaches the terminal and the journal.
    const serve = await spawnCli(["serve", "--listen", "127.0.0.1:0"], env);
    const migrate = await spawnCli(["migrate"], env);
    expect([serve.code, migrate.code]).toEqual([70, 69]);
    for (const result of [serve, migrate]) {
      expect(result.stderr + result.stdout).toContain("cannot open the PostgreSQL database");
      expect(result.stderr + result.stdout).not.toContain("hunter2");
    }
    expect(check.err + check.out).not.toContain("hunter2");
  });

  test("a data dir that cannot be created is refused by both, before serve opens anything", async () => {
    const env = { MILLRACE_DATA_DIR: "/dev/null/millrace" };
    for (const argv of [["check-config"], ["serve", "--listen", "127.0.0.1:0"]]) {
      const result = await cli(argv, env);
      expect(result.code).toBe(78);
      expect(result.err).toContain(
        "config error: MILLRACE_DATA_DIR: /dev/null/millrace does not exist and cannot be created",
      );
    }
  });
});

describe("check-config tries the listen addresses", () => {
  test("an address of another machine is refused; a port in use is a note", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "millrace-listen-"));
    const jwt = {
      MILLRACE_DATA_DIR: dataDir,
      MILLRACE_AUTH: "jwt",
      MILLRACE_JWT_SECRET: "x".repeat(40),
      MILLRACE_JWT_ISSUER: "https://idp.example",
      MILLRACE_JWT_AUDIENCE: "millrace",
    };
    const busy = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      // 192.0.2.0/24 is TEST-NET-1: never an address of this machine.
      const foreign = await cli(["check-config"], { ...jwt, MILLRACE_LISTEN: "192.0.2.1:7411" });
      expect(foreign.code).toBe(78);
      expect(foreign.err).toContain("config error: MILLRACE_LISTEN: 192.0.2.1:7411 is not an address of this machine");
      const taken = await cli(["check-config"], {
        MILLRACE_DATA_DIR: dataDir,
        MILLRACE_LISTEN: `127.0.0.1:${busy.port}`,
      });
      expect(taken.code).toBe(0);
      expect(taken.err).toContain(`note: MILLRACE_LISTEN: 127.0.0.1:${busy.port} is in use now`);
    } finally {
      busy.stop(true);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("serve at start", () => {
  test("prints one plain ready line on stderr, and warns in the log about unknown variables", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "millrace-ready-"));
    const server = await startServer({ MILLRACE_DATA_DIR: dataDir, MILLRACE_LISTNE: "oops" });
    try {
      const ready = `millrace ${VERSION} ready on ${server.url} (sqlite at ${join(dataDir, "millrace.db")})`;
      // /health/ready answers just before serve prints the line: wait for it rather than race it.
      expect(await until(async () => server.lines.includes(ready))).toBe(true);
      const warning = server.lines
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((entry) => entry.msg === "unknown MILLRACE_* variable");
      expect(warning).toMatchObject({ level: "warn" });
      expect(String(warning?.problem)).toContain("did you mean MILLRACE_LISTEN?");
    } finally {
      expect(await server.stop()).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("the millrace process", () => {
  test("--help prints on stdout and exits 0; an unreachable broker exits 69", async () => {
    for (const args of [["--help"], ["serve", "--help"], ["help", "topics"]]) {
      const result = await spawnCli(args);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe("");
      expect(result.stdout).toContain("millrace ");
    }
    const unreachable = await spawnCli(["queues", "list", "--url", "http://127.0.0.1:1"]);
    expect(unreachable.code).toBe(69);
    expect(unreachable.stderr).toContain("cannot reach the broker");
  });
});
