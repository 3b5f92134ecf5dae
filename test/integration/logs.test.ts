import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { spawnServe, type ServeProcess } from "../helpers/spawn-serve.ts";

// The real process's stdout: JSON lines with request context, filtered by level, and free of
// every secret, credential and message body the test used.

const SECRET = "logs-test-secret-0123456789-abcdefghijklmnop";
const BODY_MARKER = "BODY-MARKER-do-not-log-7f3a";
const dirs: string[] = [];
const procs: ServeProcess[] = [];
afterEach(() => {
  for (const served of procs.splice(0)) if (served.proc.exitCode === null) served.proc.kill("SIGKILL");
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function serve(env: Record<string, string>): Promise<ServeProcess> {
  const dir = mkdtempSync(join(tmpdir(), "millrace-logs-"));
  dirs.push(dir);
  const served = await spawnServe(dir, env);
  procs.push(served);
  return served;
}

function token(scope: string, secret = SECRET) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: "https://issuer.test", aud: "logs", sub: "svc-logs", exp: now + 300, scope })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(secret));
}

test("request lines carry their context; secrets, credentials and bodies never appear", async () => {
  const served = await serve({
    MILLRACE_AUTH: "jwt",
    MILLRACE_JWT_SECRET: SECRET,
    MILLRACE_JWT_ISSUER: "https://issuer.test",
    MILLRACE_JWT_AUDIENCE: "logs",
  });
  const admin = await token("admin");
  const publisher = await token("publish");
  const forged = await token("admin", "some-other-secret-0123456789-abcdefghij");
  const headers = (bearer: string) => ({ authorization: `Bearer ${bearer}`, "content-type": "application/json" });

  expect(
    (await fetch(`${served.api}/v1/queues/logged`, { method: "PUT", headers: headers(admin), body: "{}" })).status,
  ).toBe(201);
  const published = await fetch(`${served.api}/v1/queues/logged/messages`, {
    method: "POST",
    headers: { ...headers(publisher), "x-request-id": "trace-123" },
    body: JSON.stringify({ body: { note: BODY_MARKER }, headers: { secret: BODY_MARKER } }),
  });
  expect(published.status).toBe(201);
  expect(published.headers.get("x-request-id")).toBe("trace-123");
  expect((await fetch(`${served.api}/v1/queues`, { headers: headers(forged) })).status).toBe(401);
  const malformed = await fetch(`${served.api}/v1/queues/logged/messages`, {
    method: "POST",
    headers: headers(publisher),
    body: `{"body": "${BODY_MARKER}"`,
  });
  expect(malformed.status).toBe(400);

  served.proc.kill("SIGTERM");
  expect(await served.proc.exited).toBe(0);
  const output = served.output();
  const lines = output
    .split("\n")
    .filter(Boolean)
    // Every line is JSON but the plain "millrace <version> ready on …" line serve prints on stderr.
    .filter((line) => !/^millrace \S+ ready /.test(line))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const line of lines) {
    expect(typeof line.ts).toBe("string");
    expect(["debug", "info", "warn", "error"]).toContain(line.level as string);
    expect(typeof line.msg).toBe("string");
  }
  expect(lines.find((line) => line.request_id === "trace-123")).toMatchObject({
    level: "info",
    msg: "request",
    method: "POST",
    route: "/v1/queues/:queue/messages",
    status: 201,
    principal: "jwt:svc-logs",
  });
  expect(lines.some((line) => line.status === 401 && line.route === "/v1/queues")).toBe(true);
  expect(lines.every((line) => line.msg !== "request" || typeof line.duration_ms === "number")).toBe(true);

  for (const secret of [SECRET, admin, publisher, forged, forged.split(".")[2]!, BODY_MARKER]) {
    expect(output).not.toContain(secret);
  }
  expect(output.toLowerCase()).not.toContain("authorization");
  expect(output).not.toContain("Bearer");
}, 60_000);

test("MILLRACE_LOG_LEVEL=warn writes nothing below warn", async () => {
  const served = await serve({ MILLRACE_LOG_LEVEL: "warn" });
  await fetch(`${served.api}/v1/queues/quiet`, { method: "PUT", body: "{}" });
  await fetch(`${served.api}/nowhere`);
  served.proc.kill("SIGTERM");
  expect(await served.proc.exited).toBe(0);
  const levels = served
    .output()
    .split("\n")
    .filter((line) => line !== "" && !/^millrace \S+ ready /.test(line))
    .map((line) => (JSON.parse(line) as { level: string }).level);
  expect(levels.filter((level) => level === "info" || level === "debug")).toEqual([]);
}, 60_000);
