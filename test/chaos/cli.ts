// scripts/chaos [--seed N] [--rounds N] [--driver sqlite|postgres] [--messages N]
// Runs chaos rounds (test/chaos/lib) and prints one line per round and a summary; exits 1 on a
// failed round, printing its seed and the command that replays it.
import { runChaos, type ChaosSummary } from "./lib/run.ts";
import type { Driver } from "./lib/targets.ts";

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seed = Number(option("--seed") ?? Math.floor(Math.random() * 1_000_000));
const rounds = Number(option("--rounds") ?? 10);
const messages = Number(option("--messages") ?? 1000);
const driverOption = option("--driver");
if (driverOption !== undefined && driverOption !== "sqlite" && driverOption !== "postgres") {
  console.error(`--driver must be sqlite or postgres, not ${driverOption}`);
  process.exit(2);
}
for (const [name, value] of [
  ["--seed", seed],
  ["--rounds", rounds],
  ["--messages", messages],
] as const) {
  if (!Number.isInteger(value) || value < 0) {
    console.error(`${name} must be a whole number`);
    process.exit(2);
  }
}
const drivers: Driver[] = driverOption ? [driverOption] : ["sqlite", "postgres"];
console.log(`chaos: seed ${seed}, ${rounds} round(s) of ${messages} messages on ${drivers.join(" and ")}`);
const summaries: ChaosSummary[] = [];
for (const driver of drivers) summaries.push(await runChaos({ driver, seed, rounds, messages }));
for (const s of summaries) {
  console.log(
    `${s.driver}: ${s.rounds.length} rounds, faults ${JSON.stringify(s.faults)}, ${s.published} messages, ` +
      `${s.lost} lost, ${s.duplicates} redeliveries after a lease ended, ${s.webhookDuplicates} webhook resends ` +
      `after a 200, ${s.dead} dead-lettered${s.failed ? `, FAILED at seed ${s.failed.seed}` : ""}`,
  );
}
console.log(
  JSON.stringify({
    chaos: summaries.map(({ rounds: r, ...rest }) => ({
      ...rest,
      rounds: r.length,
      failed: rest.failed?.seed ?? null,
    })),
  }),
);
process.exit(summaries.some((s) => s.failed) ? 1 : 0);
