// Measures Millrace against its ceilings and its peers in one run, on this machine, and reports
// ratios (the machine is shared, so only figures measured side by side compare).
// Usage: scripts/bench [--quick] [--runs N] [--duration SECONDS]. The last stdout line is one JSON
// object (the summary); the full figures go to bench/results/<date>.json and bench/RESULTS.md.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { measureBacklog } from "./scenarios/backlog.ts";
import { measureMillrace } from "./scenarios/millrace.ts";
import { measureBullmq, measurePgBoss } from "./scenarios/peers.ts";
import { startReferences } from "./scenarios/references.ts";
import { measureStartup } from "./scenarios/startup.ts";
import { log, ROOT } from "./lib/measure.ts";
import { freshDatabase, startMillrace } from "./lib/servers.ts";
import { updateReadme } from "./readme.ts";
import { summarise, writeReport, type BenchResults } from "./report.ts";

const quick = process.argv.includes("--quick");
const option = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const RUNS = option("--runs", 3);
const SECONDS = option("--duration", quick ? 2 : 8);
const BACKLOG_SQLITE = option("--backlog", 10_000_000);
const started = performance.now();

const referenceServers = await startReferences();
const sqliteServer = await startMillrace();
const { references, ...sqlite } = await measureMillrace(
  sqliteServer,
  "millrace (SQLite)",
  RUNS,
  SECONDS,
  true,
  referenceServers,
).finally(async () => {
  await sqliteServer.stop();
  for (const server of Object.values(referenceServers)) await server.stop();
});
if (!references) throw new Error("the references were not measured");

const database = await freshDatabase();
const postgres = await (async () => {
  const server = await startMillrace({ databaseUrl: database.url });
  try {
    return await measureMillrace(server, "millrace (PostgreSQL)", RUNS, SECONDS, false);
  } finally {
    await server.stop();
  }
})().finally(() => database.drop());

// Peers drain a fixed backlog; sized so one run takes about as long as a wrk run.
const peers = {
  bullmqAlways: await measureBullmq("always", RUNS, SECONDS, quick ? 10_000 : 40_000),
  bullmqEverysec: await measureBullmq("everysec", RUNS, SECONDS, quick ? 10_000 : 40_000),
  pgBoss: await measurePgBoss(RUNS, SECONDS, quick ? 6_000 : 20_000),
};

const startup = await measureStartup(RUNS);
const backlog = quick ? undefined : await measureBacklog(BACKLOG_SQLITE, 1_000_000, SECONDS);

const results: BenchResults = {
  schema: 2,
  date: new Date().toISOString(),
  mode: quick ? "quick" : "full",
  command: `scripts/bench ${process.argv.slice(2).join(" ")}`.trim(),
  machine: { cpus: navigator.hardwareConcurrency, bun: Bun.version, loadAverage: loadavg() },
  runs: RUNS,
  seconds: SECONDS,
  references,
  sqlite,
  postgres,
  peers,
  startup,
  backlog,
  wallSeconds: (performance.now() - started) / 1000,
};
mkdirSync(join(ROOT, "bench/results"), { recursive: true });
const file = join(ROOT, "bench/results", `${results.date.slice(0, 19).replace(/[:T]/g, "-")}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
writeReport(results, file);
updateReadme();
log(`results written to ${file} and bench/RESULTS.md in ${results.wallSeconds.toFixed(0)} s`);
console.log(JSON.stringify(summarise(results)));
