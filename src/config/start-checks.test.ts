import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "./load.ts";
import { checkStartup } from "./start-checks.ts";

function problemsOf(env: Record<string, string>): string[] {
  try {
    checkStartup({ env, flags: {} });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("checkStartup", () => {
  const scratch = mkdtempSync(join(tmpdir(), "millrace-start-checks-"));

  test("a PostgreSQL URL passes, and the data dir is not checked", () => {
    const file = join(scratch, "not-a-dir-either");
    writeFileSync(file, "");
    expect(problemsOf({ MILLRACE_DATABASE_URL: "postgres://u:hunter2@db/millrace", MILLRACE_DATA_DIR: file })).toEqual(
      [],
    );
  });

  test("a data dir that is a file, or under a file, is refused", () => {
    const file = join(scratch, "not-a-dir");
    writeFileSync(file, "");
    expect(problemsOf({ MILLRACE_DATA_DIR: file })[0]).toStartWith(
      `MILLRACE_DATA_DIR: ${file} exists and is not a directory`,
    );
    expect(problemsOf({ MILLRACE_DATA_DIR: join(file, "sub", "dir") })[0]).toContain("cannot be created");
  });

  test("a data dir that exists, or can be created, passes, and nothing is created", () => {
    expect(problemsOf({ MILLRACE_DATA_DIR: scratch })).toEqual([]);
    expect(problemsOf({ MILLRACE_DATA_DIR: join(scratch, "new", "deeper") })).toEqual([]);
    const result = checkStartup({
      env: { MILLRACE_DATA_DIR: join(scratch, "later"), MILLRACE_LISTNE: "x" },
      flags: {},
    });
    expect(result.unknownVariables).toHaveLength(1);
    rmSync(scratch, { recursive: true, force: true });
  });
});

describe("TLS settings for PostgreSQL", () => {
  const url = "postgres://u:hunter2@db/millrace";

  test("sslmode disable, require and verify-full pass; prefer, allow, verify-ca and unknown modes are refused with the fix", () => {
    for (const mode of ["disable", "require", "verify-full"]) {
      expect(problemsOf({ MILLRACE_DATABASE_URL: `${url}?sslmode=${mode}` })).toEqual([]);
    }
    expect(problemsOf({ MILLRACE_DATABASE_URL: `${url}?sslmode=prefer` })[0]).toContain("use sslmode=require");
    expect(problemsOf({ MILLRACE_DATABASE_URL: `${url}?sslmode=allow` })[0]).toContain("use sslmode=require");
    expect(problemsOf({ MILLRACE_DATABASE_URL: `${url}?sslmode=verify-ca` })[0]).toContain("use sslmode=verify-full");
    expect(problemsOf({ MILLRACE_DATABASE_URL: `${url}?sslmode=strict` })[0]).toContain(
      "use one of disable, require, verify-full",
    );
    expect(problemsOf({ MILLRACE_DATABASE_URL: `${url}?sslmode=verify-full&sslrootcert=/ca.pem` })[0]).toContain(
      "set MILLRACE_DATABASE_CA_FILE",
    );
  });

  test("MILLRACE_DATABASE_CA_FILE needs a readable file, a PostgreSQL URL and sslmode=verify-full", () => {
    const dir = mkdtempSync(join(tmpdir(), "millrace-ca-check-"));
    try {
      const ca = join(dir, "ca.pem");
      writeFileSync(ca, "-----BEGIN CERTIFICATE-----\n");
      const verifyFull = `${url}?sslmode=verify-full`;
      expect(problemsOf({ MILLRACE_DATABASE_URL: verifyFull, MILLRACE_DATABASE_CA_FILE: ca })).toEqual([]);
      expect(
        problemsOf({ MILLRACE_DATABASE_URL: verifyFull, MILLRACE_DATABASE_CA_FILE: join(dir, "missing.pem") })[0],
      ).toContain("MILLRACE_DATABASE_CA_FILE: cannot read");
      expect(
        problemsOf({ MILLRACE_DATABASE_URL: `${url}?sslmode=require`, MILLRACE_DATABASE_CA_FILE: ca })[0],
      ).toContain("add ?sslmode=verify-full");
      expect(problemsOf({ MILLRACE_DATA_DIR: dir, MILLRACE_DATABASE_CA_FILE: ca })[0]).toContain(
        "MILLRACE_DATABASE_URL is not",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
