import { describe, expect, test } from "bun:test";
import { runCli } from "../cli/index.ts";
import { ConfigError, describeConfig, loadConfig } from "./load.ts";

function problemsOf(env: Record<string, string>, files: Record<string, string> = {}): string[] {
  try {
    loadConfig({ env, flags: {}, readFile: (path) => readFrom(files, path) });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

function readFrom(files: Record<string, string>, path: string): string {
  const content = files[path];
  if (content === undefined) throw new Error(`ENOENT: ${path}`);
  return content;
}

const SECRET = "s3cret-s3cret-s3cret-s3cret-s3cret-s3cret";

describe("security settings", () => {
  test("defaults: no auth, no limits, empty allowlists, metrics on", () => {
    const config = loadConfig({ env: {}, flags: {} });
    expect(config.auth).toBe("none");
    expect(config.rateLimitPerSecond).toBe(0);
    expect(config.corsOrigins).toEqual([]);
    expect(config.trustedProxies).toEqual([]);
    expect(config.webhookAllowCidrs).toEqual([]);
    expect(config.metrics).toBe(true);
    expect(config.metricsListen).toBeNull();
    expect(config.maxHeaderBytes).toBe(8192);
  });

  test("auth=none on a non-loopback address is a configuration error", () => {
    expect(problemsOf({ MILLRACE_LISTEN: "0.0.0.0:7411" })[0]).toStartWith(
      "MILLRACE_AUTH: is none, but MILLRACE_LISTEN",
    );
    expect(problemsOf({ MILLRACE_LISTEN: "[::1]:7411" })).toEqual([]);
    expect(problemsOf({ MILLRACE_LISTEN: "localhost:7411" })).toEqual([]);
  });

  test("auth=none on a public address exits 78 from check-config and serve", async () => {
    const err: string[] = [];
    const io = { out: () => undefined, err: (text: string) => err.push(text) };
    expect(await runCli(["check-config"], { MILLRACE_LISTEN: "0.0.0.0:7411" }, io)).toBe(78);
    expect(await runCli(["serve", "--listen", "10.1.2.3:7411"], {}, io)).toBe(78);
    expect(err.join("\n")).toContain("MILLRACE_AUTH");
  });

  test("api-key mode needs a keys file named (its content is checked by auth, see keys-file-check.test.ts)", () => {
    expect(problemsOf({ MILLRACE_AUTH: "api-key" })[0]).toContain("MILLRACE_API_KEYS_FILE: is required");
    expect(problemsOf({ MILLRACE_AUTH: "api-key", MILLRACE_API_KEYS_FILE: "/k" })).toEqual([]);
  });

  test("jwt mode needs one key source, an issuer and an audience; short secrets are refused unechoed", () => {
    const problems = problemsOf({ MILLRACE_AUTH: "jwt" });
    expect(problems.join("\n")).toContain("set exactly one of MILLRACE_JWT_SECRET");
    expect(problems.join("\n")).toContain("MILLRACE_JWT_ISSUER: is required");
    expect(problems.join("\n")).toContain("MILLRACE_JWT_AUDIENCE: is required");
    const short = problemsOf({ MILLRACE_JWT_SECRET: "tiny-secret-value" });
    expect(short[0]).toContain("MILLRACE_JWT_SECRET: is shorter than 32 bytes");
    expect(short[0]).not.toContain("tiny-secret-value");
    expect(
      problemsOf({
        MILLRACE_AUTH: "jwt",
        MILLRACE_JWKS_URLS: "https://idp.example.com/jwks.json, https://other.example.com/keys",
        MILLRACE_JWT_ISSUER: "https://idp.example.com",
        MILLRACE_JWT_AUDIENCE: "millrace",
      }),
    ).toEqual([]);
    expect(problemsOf({ MILLRACE_JWKS_URLS: "ftp://x/y" })[0]).toContain("http(s)");
  });

  test("the JWT secret comes from _FILE or a systemd credential, and is redacted", () => {
    const files = { "/run/creds/millrace_jwt_secret": `${SECRET}\n`, "/etc/jwt": `${SECRET}-file` };
    const fromCredential = loadConfig({
      env: { CREDENTIALS_DIRECTORY: "/run/creds", MILLRACE_JWT_SECRET: "overridden-by-the-credential-xxxxxxxx" },
      flags: {},
      readFile: (path) => readFrom(files, path),
    });
    expect(fromCredential.jwtSecret).toBe(SECRET);
    const fromFile = loadConfig({
      env: { MILLRACE_JWT_SECRET_FILE: "/etc/jwt" },
      flags: {},
      readFile: (path) => readFrom(files, path),
    });
    expect(fromFile.jwtSecret).toBe(`${SECRET}-file`);
    const printed = describeConfig(fromFile);
    expect(printed.MILLRACE_JWT_SECRET).toBe("(redacted)");
    expect(JSON.stringify(printed)).not.toContain(SECRET);
  });

  test("lists and CIDRs are parsed and validated, naming the variable", () => {
    const config = loadConfig({
      env: {
        MILLRACE_CORS_ORIGINS: "https://App.example.com, http://localhost:3000",
        MILLRACE_TRUSTED_PROXIES: "10.0.0.0/8,::1",
        MILLRACE_WEBHOOK_ALLOW_CIDRS: "192.168.0.0/16",
        MILLRACE_RATE_LIMIT_PER_SECOND: "12.5",
        MILLRACE_RATE_LIMIT_BURST: "40",
        MILLRACE_METRICS_LISTEN: "0.0.0.0:9464",
      },
      flags: {},
    });
    expect(config.corsOrigins).toEqual(["https://app.example.com", "http://localhost:3000"]);
    expect(config.trustedProxies.map((c) => c.text)).toEqual(["10.0.0.0/8", "::1"]);
    expect(config.rateLimitPerSecond).toBe(12.5);
    expect(config.metricsListen).toEqual({ host: "0.0.0.0", port: 9464 });
    const printed = describeConfig(config);
    expect(printed.MILLRACE_TRUSTED_PROXIES).toBe("10.0.0.0/8,::1");
    expect(printed.MILLRACE_CORS_ORIGINS).toBe("https://app.example.com,http://localhost:3000");

    const problems = problemsOf({
      MILLRACE_CORS_ORIGINS: "https://ok.example.com/path",
      MILLRACE_TRUSTED_PROXIES: "10.0.0.0/40",
      MILLRACE_WEBHOOK_ALLOW_CIDRS: "private",
      MILLRACE_RATE_LIMIT_PER_SECOND: "-1",
      MILLRACE_MAX_HEADER_BYTES: "999999",
    });
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      "MILLRACE_RATE_LIMIT_PER_SECOND",
      "MILLRACE_CORS_ORIGINS",
      "MILLRACE_TRUSTED_PROXIES",
      "MILLRACE_MAX_HEADER_BYTES",
      "MILLRACE_WEBHOOK_ALLOW_CIDRS",
    ]);
    expect(problems.join("\n")).toContain("is not a CIDR; write it like 10.0.0.0/8");
  });

  test("the shutdown delay must fit in the timeout; metrics need their own port", () => {
    expect(problemsOf({ MILLRACE_SHUTDOWN_DELAY_SECONDS: "30", MILLRACE_SHUTDOWN_TIMEOUT_SECONDS: "30" })[0]).toContain(
      "MILLRACE_SHUTDOWN_DELAY_SECONDS",
    );
    expect(problemsOf({ MILLRACE_METRICS_LISTEN: "127.0.0.1:7411" })[0]).toContain("MILLRACE_METRICS_LISTEN");
  });

  test("`millrace config` prints every setting with secrets redacted", async () => {
    const out: string[] = [];
    const code = await runCli(
      ["config"],
      { MILLRACE_JWT_SECRET: SECRET, MILLRACE_DATABASE_URL: "postgres://user:pw@db/x" },
      { out: (text) => out.push(text), err: (text) => out.push(text) },
    );
    expect(code).toBe(0);
    const text = out.join("\n");
    expect(text).toContain("MILLRACE_JWT_SECRET=(redacted)");
    expect(text).toContain("MILLRACE_AUTH=none");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("pw@db");
  });
});
