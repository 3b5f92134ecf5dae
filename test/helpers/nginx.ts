import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort, ROOT } from "./spawn-serve.ts";

// packaging/nginx/millrace.conf run for real by a private nginx: the shipped file is included as
// is, except that its upstream server line becomes the test's instances and `listen 80` becomes a
// free loopback port.

export const SHIPPED_NGINX_CONF = readFileSync(join(ROOT, "packaging/nginx/millrace.conf"), "utf8");

function findNginx(): string {
  const found = Bun.which("nginx") ?? Bun.which("nginx", { PATH: "/usr/sbin:/sbin" });
  if (!found) throw new Error("nginx is not installed; install it (apt-get install nginx-light) and re-run");
  return found;
}

/** The shipped site with `upstreams` (host:port each) as its servers and a loopback listener. */
export function renderSite(upstreams: string[], port: number): string {
  const serverLine = /^( *)server 127\.0\.0\.1:7411( .*;)$/m;
  const match = serverLine.exec(SHIPPED_NGINX_CONF);
  if (!match) throw new Error("packaging/nginx/millrace.conf no longer has the `server 127.0.0.1:7411 ...;` line");
  if (!SHIPPED_NGINX_CONF.includes("    listen 80;"))
    throw new Error("packaging/nginx/millrace.conf no longer has the `    listen 80;` line");
  return SHIPPED_NGINX_CONF.replace(
    serverLine,
    upstreams.map((upstream) => `${match[1]}server ${upstream}${match[2]}`).join("\n"),
  ).replace("    listen 80;", `    listen 127.0.0.1:${port};`);
}

/** A private nginx (its own prefix directory, one worker, in the foreground) serving the shipped site. */
export class Nginx {
  readonly port = freePort();
  private proc: Subprocess | null = null;
  constructor(
    private readonly dir: string,
    private readonly upstreams: string[],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** nginx's error log so far (upstream failures, for a failing test's message). */
  errorLog(): string {
    try {
      return readFileSync(join(this.dir, "error.log"), "utf8");
    } catch {
      return "";
    }
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, "millrace.conf"), renderSite(this.upstreams, this.port));
    // One worker: upstream failure counters and round-robin order live per worker.
    writeFileSync(
      join(this.dir, "nginx.conf"),
      `worker_processes 1;
daemon off;
pid ${this.dir}/nginx.pid;
error_log ${this.dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${this.dir}/body;
  proxy_temp_path ${this.dir}/proxy;
  fastcgi_temp_path ${this.dir}/fastcgi;
  uwsgi_temp_path ${this.dir}/uwsgi;
  scgi_temp_path ${this.dir}/scgi;
  include ${this.dir}/millrace.conf;
}
`,
    );
    const nginx = findNginx();
    const check = Bun.spawnSync([nginx, "-t", "-q", "-p", this.dir, "-c", join(this.dir, "nginx.conf")]);
    if (check.exitCode !== 0) throw new Error(`nginx -t failed:\n${check.stderr.toString()}`);
    this.proc = Bun.spawn([nginx, "-p", this.dir, "-c", join(this.dir, "nginx.conf")], {
      stdout: "inherit",
      stderr: "inherit",
    });
    for (;;) {
      try {
        await fetch(`${this.url}/health/live`);
        return;
      } catch {
        if (this.proc.exitCode !== null) throw new Error(`nginx exited: ${this.errorLog()}`);
        await Bun.sleep(20);
      }
    }
  }

  async stop(): Promise<void> {
    if (!this.proc) return;
    this.proc.kill("SIGQUIT");
    await this.proc.exited;
    this.proc = null;
  }
}
