// Compares the CPU per request, by thread, of two Millrace checkouts on the hot paths, interleaved
// (A B A B ...) so that both see the same load on a shared machine. Each checkout runs as its own
// server (SQLite, fresh data directory); per round each gets a wrk run of single publishes and a
// receive+ack drain of what it published. Throughput here is noisy; the CPU µs per request of the
// main thread ("bun") is the figure to compare.
// Usage: bun bench/ab-cpu.ts <checkout A> <checkout B> [--rounds N] [--seconds S] [--auth]
// With --auth both run with MILLRACE_AUTH=api-key and one key with every scope on '*'.
import type { Subprocess } from "bun";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cpuMicrosPerMessage, CONNECTIONS, runClient, threadCpuSeconds, waitReady } from "./lib/measure.ts";
import { freePort } from "./lib/servers.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const checkouts = args.slice(0, 2);
if (checkouts.length !== 2 || checkouts.some((c) => c.startsWith("--")))
  throw new Error("usage: bun bench/ab-cpu.ts <checkout A> <checkout B> [--rounds N] [--seconds S] [--auth]");
const ROUNDS = option("--rounds", 3);
const SECONDS = option("--seconds", 4);
const AUTH = args.includes("--auth");

interface Server {
  label: string;
  pid: number;
  base: string;
  token: string | null;
  child: Subprocess;
  dir: string;
}

async function createKey(root: string): Promise<{ token: string; line: string }> {
  const child = Bun.spawn(
    [process.execPath, "src/main.ts", "keys", "create", "--scopes", "publish,consume,admin", "--queues", "*"],
    {
      cwd: root,
      stdout: "pipe",
      stderr: "inherit",
    },
  );
  const lines = (await new Response(child.stdout).text()).trim().split("\n");
  const token = lines.find((l) => l.includes("mrk_"))!.match(/mrk_[A-Za-z0-9_-]+/)![0];
  return { token, line: lines[lines.length - 1]! };
}

async function start(label: string, root: string): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), "millrace-ab-"));
  const port = freePort();
  const env: Record<string, string | undefined> = {
    ...process.env,
    MILLRACE_LISTEN: `127.0.0.1:${port}`,
    MILLRACE_DATA_DIR: dir,
    MILLRACE_LOG_LEVEL: "warn",
  };
  delete env.MILLRACE_DATABASE_URL;
  let token: string | null = null;
  if (AUTH) {
    const key = await createKey(root);
    token = key.token;
    // Not in the data directory: the keys file's watcher would wake on every write of the database.
    const file = join(mkdtempSync(join(tmpdir(), "millrace-ab-keys-")), "keys");
    writeFileSync(file, `${key.line}\n`);
    env.MILLRACE_AUTH = "api-key";
    env.MILLRACE_API_KEYS_FILE = file;
  }
  const child = Bun.spawn([process.execPath, "src/main.ts", "serve"], {
    cwd: root,
    env,
    stdout: "ignore",
    stderr: "inherit",
  });
  const base = `http://127.0.0.1:${port}`;
  await waitReady(`${base}/health/ready`, child);
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const put = await fetch(`${base}/v1/queues/bench`, { method: "PUT", body: "{}", headers });
  if (!put.ok) {
    child.kill();
    throw new Error(`${label}: PUT queue answered ${put.status}`);
  }
  return { label, pid: child.pid, base, token, child, dir };
}

async function publishRun(server: Server, seconds: number) {
  const before = threadCpuSeconds(server.pid);
  const auth = server.token ? ["-H", `Authorization: Bearer ${server.token}`] : [];
  const child = Bun.spawn(
    [
      "wrk",
      "-t1",
      `-c${CONNECTIONS}`,
      `-d${seconds}s`,
      ...auth,
      "-s",
      resolve(import.meta.dir, "wrk/publish-one.lua"),
      `${server.base}/v1/queues/bench/messages`,
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  const output = await new Response(child.stdout).text();
  const after = threadCpuSeconds(server.pid);
  const requests = Number(/(\d+) requests in/.exec(output)?.[1]);
  const bad = Number(/NON201 (\d+)/.exec(output)?.[1]);
  if (bad > 0) throw new Error(`${server.label}: ${bad} non-2xx`);
  return {
    perSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]),
    cpu: cpuMicrosPerMessage(before, after, requests),
  };
}

async function drainRun(server: Server, seconds: number) {
  const before = threadCpuSeconds(server.pid);
  const result = await runClient<{ acked: number; perSecond: number }>([resolve(import.meta.dir, "receive-ack.ts")], {
    URL: server.base,
    QUEUE: "bench",
    DURATION_S: String(seconds),
    ...(server.token ? { TOKEN: server.token } : {}),
  });
  return { perSecond: result.perSecond, cpu: cpuMicrosPerMessage(before, threadCpuSeconds(server.pid), result.acked) };
}

const servers = [await start("A", resolve(checkouts[0]!)), await start("B", resolve(checkouts[1]!))];
const rows: string[] = [];
try {
  for (const server of servers) await publishRun(server, 1); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const server of servers) {
      const publish = await publishRun(server, SECONDS);
      const drain = await drainRun(server, SECONDS);
      const row = `round ${round} ${server.label}: publish ${publish.perSecond.toFixed(0)}/s cpu ${JSON.stringify(publish.cpu)} | receive+ack ${drain.perSecond.toFixed(0)} msg/s cpu ${JSON.stringify(drain.cpu)}`;
      console.log(row);
      rows.push(row);
    }
  }
} finally {
  for (const server of servers) {
    server.child.kill();
    await server.child.exited;
    rmSync(server.dir, { recursive: true, force: true });
  }
}
