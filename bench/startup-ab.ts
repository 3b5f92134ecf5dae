// Exec to /health/ready of several compiled binaries, interleaved (A B A B ...) so that they share
// the machine's load; prints the median, min and max of each. Empty data directory per start
// unless --data-dir is given (then the same directory, e.g. one with a backlog, for all).
// Usage: bun bench/startup-ab.ts [--runs 11] [--data-dir DIR] BINARY...
import { parseArgs } from "node:util";
import { spread } from "./lib/measure.ts";
import { startMillrace } from "./lib/servers.ts";

const { values, positionals } = parseArgs({
  args: Bun.argv.slice(2),
  options: { runs: { type: "string", default: "11" }, "data-dir": { type: "string" } },
  allowPositionals: true,
});
const runs = Number(values.runs);
const dataDir = values["data-dir"];
const times = new Map<string, number[]>(positionals.map((binary) => [binary, []]));
for (let i = 0; i < runs; i++) {
  for (const binary of positionals) {
    const server = await startMillrace({ binary, ...(dataDir && { dataDir }) });
    times.get(binary)!.push(server.startupMs);
    await server.stop();
  }
}
for (const [binary, list] of times) {
  const s = spread(list);
  console.log(
    `${binary}: median ${s.median.toFixed(0)} ms (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)}, ${list.length} starts)`,
  );
}
