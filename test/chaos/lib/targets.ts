import { SQL } from "bun";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FleetInstance } from "../../helpers/fleet.ts";
import { PrivatePostgres } from "../../helpers/private-postgres.ts";
import { freePort, until } from "../../helpers/spawn-serve.ts";

// What the chaos rounds run against, and the faults each can suffer. SQLite: one instance whose
// data directory is a small tmpfs (so the disk can really fill). PostgreSQL: two instances on a
// private server (restarting the shared one would break other tests), no proxy in front: the
// clients send each retry to the other instance. A killed or stopped instance is started again
// at once, as systemd's Restart= would; nothing else is done for recovery.

export type Driver = "sqlite" | "postgres";
export type FaultKind = "sigkill" | "sigterm" | "pg-restart" | "pg-terminate" | "webhook-hang-vanish" | "disk-full";

export const FAULTS: Record<Driver, FaultKind[]> = {
  sqlite: ["sigkill", "sigterm", "webhook-hang-vanish", "disk-full"],
  postgres: ["sigkill", "sigterm", "pg-restart", "pg-terminate", "webhook-hang-vanish"],
};

const COMMON_ENV = {
  MILLRACE_MODE: "all",
  MILLRACE_ACCESS_LOG: "false",
  MILLRACE_SHUTDOWN_DELAY_SECONDS: "0",
  MILLRACE_SHUTDOWN_TIMEOUT_SECONDS: "10",
  MILLRACE_WEBHOOK_ALLOW_CIDRS: "127.0.0.0/8",
  MILLRACE_WEBHOOK_CIRCUIT_FAILURES: "3",
  MILLRACE_WEBHOOK_CIRCUIT_COOLDOWN_SECONDS: "0.3",
};

function run(command: string, args: string[]): string | null {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return result.status === 0 ? null : `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ?? ""}`.trim();
}

export class Target {
  readonly instances: FleetInstance[] = [];
  private pg: PrivatePostgres | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), "millrace-chaos-"));
  private mounted = false;
  private filler: string | null = null;

  constructor(readonly driver: Driver) {}

  get urls(): string[] {
    return this.instances.map((instance) => instance.url);
  }

  async start(): Promise<void> {
    const env: Record<string, string> = { ...COMMON_ENV };
    if (this.driver === "sqlite") {
      if (process.getuid?.() !== 0)
        throw new Error("the SQLite chaos rounds mount a tmpfs as the data directory and must run as root");
      const failed = run("mount", ["-t", "tmpfs", "-o", "size=256m", "tmpfs", this.dir]);
      if (failed) throw new Error(`could not mount a tmpfs at ${this.dir} (needs CAP_SYS_ADMIN): ${failed}`);
      this.mounted = true;
      this.instances.push(new FleetInstance("solo", `127.0.0.1:${freePort()}`, env, this.dir));
    } else {
      this.pg = new PrivatePostgres();
      await this.pg.start();
      Object.assign(env, { MILLRACE_DATABASE_URL: this.pg.url(), MILLRACE_DATABASE_POOL_SIZE: "6" });
      for (const name of ["a", "b"])
        this.instances.push(new FleetInstance(name, `127.0.0.1:${freePort()}`, env, this.dir));
    }
    await Promise.all(this.instances.map((instance) => instance.start()));
  }

  /** Every instance answers ready, by itself. */
  async recovered(): Promise<boolean> {
    for (let i = 0; i < 4; i++) {
      if (await until(async () => (await Promise.all(this.instances.map((x) => x.ready()))).every(Boolean)))
        return true;
    }
    return false;
  }

  async sigkill(index: number): Promise<void> {
    const instance = this.instances[index]!;
    await instance.kill();
    await instance.start();
  }

  /** `exited` is called once the stopped instance has exited, before it is started again. */
  async sigterm(index: number, exited: () => void = () => undefined): Promise<void> {
    const instance = this.instances[index]!;
    const code = await instance.stop();
    exited();
    if (code !== 0) throw new Error(`${instance.name} exited with ${code} on SIGTERM`);
    await instance.start();
  }

  async pgRestart(): Promise<void> {
    await this.pg!.restart();
  }

  /** Cuts every session of the instances (pools, LISTEN, leadership); returns how many. */
  async pgTerminate(): Promise<number> {
    const sql = new SQL({ url: this.pg!.url(), max: 1 });
    try {
      const [row] = (await sql`
        SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`) as Array<{ n: number }>;
      return row?.n ?? 0;
    } finally {
      await sql.close();
    }
  }

  /** Takes every free byte of the data directory's file system. */
  fillDisk(): void {
    this.filler = join(this.dir, "filler");
    const fd = openSync(this.filler, "w");
    const chunk = Buffer.alloc(1024 * 1024, 1);
    try {
      for (;;) {
        const { bavail, bsize } = statfsSync(this.dir);
        const free = bavail * bsize;
        if (free <= 0) break;
        writeSync(fd, chunk, 0, Math.min(chunk.length, free));
      }
    } catch {
      // ENOSPC: full, which is the point
    } finally {
      closeSync(fd);
    }
  }

  freeDisk(): void {
    if (this.filler) rmSync(this.filler, { force: true });
    this.filler = null;
  }

  tails(): string {
    return this.instances
      .map((instance) => `--- ${instance.name} (last lines) ---\n${instance.lines().slice(-20).join("\n")}`)
      .join("\n");
  }

  async destroy(): Promise<void> {
    await Promise.all(this.instances.map((instance) => instance.kill()));
    await this.pg?.destroy();
    this.freeDisk();
    if (this.mounted) run("umount", [this.dir]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
