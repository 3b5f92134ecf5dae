import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/storage/open-store.ts";
import { PostgresStore } from "../../src/storage/postgres/postgres-store.ts";
import { PrivatePostgres } from "../helpers/private-postgres.ts";
import { runCli, startServer } from "../helpers/spawn-serve.ts";

// TLS to PostgreSQL against real servers of the test's own (the shared one at 127.0.0.1:5432 has
// TLS off and others use it): one with ssl=on and a certificate issued by a CA made here for the
// name `localhost` only, so that connecting to 127.0.0.1 is a name the certificate does not list;
// and one with TLS off.

let dir: string;
let tlsServer: PrivatePostgres;
let plainServer: PrivatePostgres;
let caFile: string;
let wrongCaFile: string;

async function openssl(...args: string[]): Promise<void> {
  const proc = Bun.spawn(["openssl", ...args], { cwd: dir, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`openssl ${args.join(" ")} exited with ${code}: ${stderr}`);
}

async function makeCa(name: string): Promise<string> {
  await openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
  );
  return join(dir, `${name}.crt`);
}

/** A CA, a second CA that signed nothing here, and a server certificate for DNS:localhost. */
async function makeCertificates(): Promise<{ certFile: string; keyFile: string }> {
  caFile = await makeCa("test-ca");
  wrongCaFile = await makeCa("other-ca");
  await openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
  );
  writeFileSync(join(dir, "server.ext"), "subjectAltName=DNS:localhost\n");
  await openssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "test-ca.crt",
    "-CAkey",
    "test-ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "server.ext",
    "-out",
    "server.crt",
  );
  return { certFile: join(dir, "server.crt"), keyFile: join(dir, "server.key") };
}

function tlsUrl(host: string, sslmode: string): string {
  return `postgres://postgres@${host}:${tlsServer.port}/postgres?sslmode=${sslmode}`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "millrace-pg-tls-"));
  tlsServer = new PrivatePostgres(await makeCertificates());
  plainServer = new PrivatePostgres();
  await Promise.all([tlsServer.start(), plainServer.start()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([tlsServer?.destroy(), plainServer?.destroy()]);
  rmSync(dir, { recursive: true, force: true });
});

/** How many sessions on the TLS server are encrypted, seen from an admin connection. */
async function encryptedSessions(): Promise<number> {
  const admin = new SQL({ url: tlsServer.url(), max: 1 });
  try {
    const [row] = (await admin`
      SELECT count(*)::int AS n FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
       WHERE s.ssl AND a.pid <> pg_backend_pid()`) as Array<{ n: number }>;
    return row!.n;
  } finally {
    await admin.close();
  }
}

describe("TLS to PostgreSQL", () => {
  test("sslmode=require connects encrypted, without checking the certificate", async () => {
    const { store } = await PostgresStore.open({
      url: tlsUrl("127.0.0.1", "require"),
      poolSize: 2,
      connectTimeoutSeconds: 5,
      statementTimeoutMs: 10_000,
    });
    try {
      await store.ping();
      expect(await encryptedSessions()).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  }, 60_000);

  test("sslmode=verify-full with the right CA file serves: a message published is received", async () => {
    const server = await startServer({
      MILLRACE_DATABASE_URL: tlsUrl("localhost", "verify-full"),
      MILLRACE_DATABASE_CA_FILE: caFile,
      MILLRACE_DATA_DIR: join(dir, "unused"),
    });
    try {
      const json = { "content-type": "application/json" };
      expect(
        (await fetch(`${server.url}/v1/queues/tls`, { method: "PUT", headers: json, body: "{}" })).status,
      ).toBeLessThan(300);
      const published = await fetch(`${server.url}/v1/queues/tls/messages`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ body: "over tls" }),
      });
      expect(published.status).toBe(201);
      const received = (await (
        await fetch(`${server.url}/v1/queues/tls/receive`, { method: "POST", headers: json, body: "{}" })
      ).json()) as { messages: Array<{ body: unknown }> };
      expect(received.messages.map((m) => m.body)).toEqual(["over tls"]);
      expect(await encryptedSessions()).toBeGreaterThan(0);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 60_000);

  test("verify-full with a CA that did not sign the server's certificate is refused, naming the CA file (serve 70, migrate 69)", async () => {
    const env = { MILLRACE_DATABASE_URL: tlsUrl("localhost", "verify-full"), MILLRACE_DATABASE_CA_FILE: wrongCaFile };
    const served = await runCli(["serve", "--listen", "127.0.0.1:0"], env);
    expect(served.code).toBe(70);
    expect(served.stdout + served.stderr).toContain("certificate is not trusted");
    expect(served.stdout + served.stderr).toContain("set MILLRACE_DATABASE_CA_FILE to the CA that signed it");
    const migrated = await runCli(["migrate"], env);
    expect(migrated.code).toBe(69);
    expect(migrated.stderr).toContain("set MILLRACE_DATABASE_CA_FILE to the CA that signed it");
  }, 60_000);

  test("verify-full to a host name the certificate does not list is refused, naming the host as what to fix", async () => {
    const migrated = await runCli(["migrate"], {
      MILLRACE_DATABASE_URL: tlsUrl("127.0.0.1", "verify-full"),
      MILLRACE_DATABASE_CA_FILE: caFile,
    });
    expect(migrated.code).toBe(69);
    expect(migrated.stderr).toContain("certificate does not name the host in MILLRACE_DATABASE_URL");
  }, 60_000);

  test("millrace copy verifies the target with the CA file too: the right CA copies, another is refused", async () => {
    const sourceDir = join(dir, "copy-source");
    mkdirSync(sourceDir);
    const { store } = await openStore({ databaseUrl: null, sqlitePath: join(sourceDir, "millrace.db") });
    await store.queues.put("moved", {}, Date.now());
    await store.close();
    const admin = new SQL({ url: tlsServer.url(), max: 1 });
    await admin`CREATE DATABASE copy_target`;
    await admin.close();
    const target = `postgres://postgres@localhost:${tlsServer.port}/copy_target?sslmode=verify-full`;
    const from = join(sourceDir, "millrace.db");

    const refused = await runCli(["copy", "--from", from, "--to", target, "--database-ca-file", wrongCaFile]);
    expect(refused.code).toBe(69);
    expect(refused.stderr).toContain("certificate is not trusted");
    // The CA may also come from the server's own variable, as in the env file on a VM.
    const copied = await runCli(["copy", "--from", from, "--to", target], { MILLRACE_DATABASE_CA_FILE: caFile });
    expect({ code: copied.code, stderr: copied.stderr }).toMatchObject({ code: 0 });
    expect(copied.stdout).toContain("1 queue");
  }, 60_000);

  test("sslmode=require against a server without TLS is refused, not sent in plain text", async () => {
    const migrated = await runCli(["migrate"], {
      MILLRACE_DATABASE_URL: `${plainServer.url()}?sslmode=require`,
    });
    expect(migrated.code).toBe(69);
    expect(migrated.stderr).toContain("the database server does not offer TLS");
    expect(migrated.stderr).toContain("turn on ssl");
  }, 60_000);
});
