import { chmodSync, chownSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./spawn-serve.ts";

// A PostgreSQL server of the test's own (initdb into a temporary directory, a free port), for
// tests that restart the server under load: restarting the shared one at 127.0.0.1:5432 would break
// every other test using it at that moment. Uses the Debian package's binaries
// (scripts/ensure-postgres installs them); PostgreSQL refuses to run as root, so as root the
// commands run as the `postgres` user.

function binaries(): string {
  const root = "/usr/lib/postgresql";
  let versions: string[] = [];
  try {
    versions = readdirSync(root).sort((a, b) => Number(a) - Number(b));
  } catch {
    // handled below
  }
  const version = versions.at(-1);
  if (!version)
    throw new Error(`no PostgreSQL under ${root}; run scripts/ensure-postgres (it installs Debian's postgresql)`);
  return join(root, version, "bin");
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("postgres:"));
  if (!line)
    throw new Error("there is no `postgres` user; install Debian's postgresql package (scripts/ensure-postgres)");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** PEM files of a server certificate and its key: given, the server turns TLS on (ssl=on). */
export interface ServerTls {
  certFile: string;
  keyFile: string;
}

export class PrivatePostgres {
  readonly port = freePort();
  private readonly dir = mkdtempSync(join(tmpdir(), "millrace-pg-"));
  private readonly bin = binaries();
  private readonly asPostgres: string[];
  private readonly user = postgresUser();

  constructor(private readonly tls?: ServerTls) {
    const user = this.user;
    const uid = process.getuid?.();
    if (uid === 0) {
      chownSync(this.dir, user.uid, user.gid);
      this.asPostgres = ["runuser", "-u", "postgres", "--"];
    } else if (uid === user.uid) {
      this.asPostgres = [];
    } else {
      throw new Error("a private PostgreSQL needs root or the postgres user; run the tests as one of them");
    }
  }

  /** Superuser URL of `database` on this server (trust auth, loopback only). */
  url(database = "postgres"): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private get data(): string {
    return join(this.dir, "data");
  }

  private async run(tool: string, args: string[]): Promise<void> {
    const proc = Bun.spawn([...this.asPostgres, join(this.bin, tool), ...args], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    if (code !== 0)
      throw new Error(`${tool} ${args.join(" ")} exited with ${code}:\n${stdout}${stderr}\n${this.log()}`);
  }

  /** The server's own log (for a failing test's message). */
  log(): string {
    try {
      return readFileSync(join(this.dir, "server.log"), "utf8");
    } catch {
      return "";
    }
  }

  async start(): Promise<void> {
    await this.run("initdb", ["-D", this.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
    await this.pgCtl("start", [
      "-o",
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=100${this.tlsOptions()}`,
    ]);
  }

  // PostgreSQL refuses a key file that others can read or that another user owns, so both files
  // are copied into the server's directory, owned by the server's user, mode 0600.
  private tlsOptions(): string {
    if (!this.tls) return "";
    const cert = join(this.dir, "server.crt");
    const key = join(this.dir, "server.key");
    for (const [from, to] of [
      [this.tls.certFile, cert],
      [this.tls.keyFile, key],
    ] as const) {
      copyFileSync(from, to);
      chmodSync(to, 0o600);
      if (process.getuid?.() === 0) chownSync(to, this.user.uid, this.user.gid);
    }
    return ` -c ssl=on -c ssl_cert_file=${cert} -c ssl_key_file=${key}`;
  }

  /** `pg_ctl restart -m fast`: every session is cut, then the server starts again on the same port. */
  async restart(): Promise<void> {
    await this.pgCtl("restart", ["-m", "fast"]);
  }

  /** Stops the server (immediately) and removes its directory. */
  async destroy(): Promise<void> {
    await this.pgCtl("stop", ["-m", "immediate"]).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private pgCtl(action: string, args: string[]): Promise<void> {
    return this.run("pg_ctl", [action, "-D", this.data, "-l", join(this.dir, "server.log"), "-w", "-t", "60", ...args]);
  }
}
