// Compares the CPU per request, by thread, of two Millrace checkouts on the hot paths, interleaved
// (A B A B ...) so that both see the same load on a shared machine. Each checkout runs as its own
// server (SQLite, fresh data directory); per round each gets a wrk run of single publishes and a
// receive+ack drain of what it published. Throughput here is noisy; the CPU µs per request of the
// main thread ("bun") is the figure to compare.
// Usage: bun bench/ab-cpu.ts <checkout A> <checkout B> [--rounds N] [--seconds S] [--auth]
// With --auth both run with MILLRACE_AUTH=api-key and one key with every scope on '*'.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cpuMicrosPerMessage, runClient, threadCpuSeconds, wrk } from "./lib/measure.ts";
import { startMillrace, type Running } from "./lib/servers.ts";

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
  running: Running;
  headers: Record<string, string>;
  token: string | null;
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
  const env: Record<string, string> = {};
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
  const running = await startMillrace({ root, env });
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const put = await fetch(`${running.base}/v1/queues/bench`, { method: "PUT", body: "{}", headers });
  if (!put.ok) {
    await running.stop();
    throw new Error(`${label}: PUT queue answered ${put.status}`);
  }
  return { label, running, headers, token };
}

async function publishRun(server: Server, seconds: number) {
  const { perSecond, cpuMicros } = await wrk(
    `${server.running.base}/v1/queues/bench/messages`,
    "publish-one.lua",
    seconds,
    server.running.pid,
    server.headers,
  );
  return { perSecond, cpu: cpuMicros };
}

async function drainRun(server: Server, seconds: number) {
  const { pid, base } = server.running;
  const before = threadCpuSeconds(pid);
  const result = await runClient<{ acked: number; perSecond: number }>([resolve(import.meta.dir, "receive-ack.ts")], {
    URL: base,
    QUEUE: "bench",
    DURATION_S: String(seconds),
    ...(server.token ? { TOKEN: server.token } : {}),
  });
  return { perSecond: result.perSecond, cpu: cpuMicrosPerMessage(before, threadCpuSeconds(pid), result.acked) };
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
  for (const server of servers) await server.running.stop();
}
