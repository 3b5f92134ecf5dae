import { describe, expect, test } from "bun:test";
import { ConfigError, describeConfig, loadConfig } from "./load.ts";

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  test("defaults apply when nothing is set", () => {
    const config = loadConfig({ env: {}, flags: {} });
    expect(config.listen).toEqual({ host: "127.0.0.1", port: 7411 });
    expect(config.mode).toBe("all");
    expect(config.dataDir).toBe(`${process.cwd()}/data`);
    expect(config.databaseUrl).toBeNull();
    expect(config.logLevel).toBe("info");
    expect(config.maxBodyBytes).toBe(1048576);
    expect(config.shutdownTimeoutSeconds).toBe(30);
    expect(config.docs).toBe(false);
  });

  test("the state directory from systemd is the default data dir", () => {
    expect(loadConfig({ env: { STATE_DIRECTORY: "/var/lib/millrace:/var/lib/other" }, flags: {} }).dataDir).toBe(
      "/var/lib/millrace",
    );
  });

  test("environment values are parsed, and flags override them", () => {
    const config = loadConfig({
      env: { MILLRACE_LISTEN: "0.0.0.0:8080", MILLRACE_MODE: "API", MILLRACE_DOCS: "yes", MILLRACE_DATA_DIR: "rel" },
      flags: { "--listen": "[::1]:9000" },
    });
    expect(config.listen).toEqual({ host: "::1", port: 9000 });
    expect(config.mode).toBe("api");
    expect(config.docs).toBe(true);
    expect(config.dataDir).toBe(`${process.cwd()}/rel`);
  });

  test("every bad value is reported at once, one line per variable", () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {
          MILLRACE_LISTEN: "nope",
          MILLRACE_MODE: "both",
          MILLRACE_MAX_BODY_BYTES: "-5",
          MILLRACE_LOG_LEVEL: "loud",
        },
        flags: {},
      }),
    );
    expect(problems).toHaveLength(4);
    expect(problems[0]).toStartWith("MILLRACE_LISTEN: ");
    expect(problems.join("\n")).toContain('MILLRACE_MODE: "both" is not one of api, worker, all');
    expect(problems.join("\n")).toContain("MILLRACE_MAX_BODY_BYTES");
    expect(problems.join("\n")).toContain("MILLRACE_LOG_LEVEL");
  });

  test("port out of range is refused", () => {
    expect(problemsOf(() => loadConfig({ env: { MILLRACE_LISTEN: "127.0.0.1:70000" }, flags: {} }))[0]).toContain(
      "MILLRACE_LISTEN",
    );
  });

  test("secrets come from _FILE and from systemd credentials, and are redacted", () => {
    const files: Record<string, string> = {
      "/run/secret-url": "postgres://from-file\n",
      "/creds/millrace_database_url": "postgres://from-credential",
    };
    const readFile = (path: string) => {
      const content = files[path];
      if (content === undefined) throw new Error("ENOENT");
      return content;
    };
    const fromFile = loadConfig({ env: { MILLRACE_DATABASE_URL_FILE: "/run/secret-url" }, flags: {}, readFile });
    expect(fromFile.databaseUrl).toBe("postgres://from-file");
    const fromCredential = loadConfig({
      env: { MILLRACE_DATABASE_URL: "postgres://env", CREDENTIALS_DIRECTORY: "/creds" },
      flags: {},
      readFile,
    });
    expect(fromCredential.databaseUrl).toBe("postgres://from-credential");
    expect(describeConfig(fromCredential).MILLRACE_DATABASE_URL).toBe("(redacted)");
    expect(
      problemsOf(() => loadConfig({ env: { MILLRACE_DATABASE_URL_FILE: "/missing" }, flags: {}, readFile }))[0],
    ).toContain("MILLRACE_DATABASE_URL_FILE: cannot read /missing");
  });
});
