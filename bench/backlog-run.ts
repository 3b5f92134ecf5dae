// Runs the full bench's backlog scenario alone (bench/scenarios/backlog.ts), to try it at a small
// size before the long full run, or to re-measure it. Prints its figures as JSON on stdout; writes
// no report. Usage: bun bench/backlog-run.ts [--backlog N (SQLite, default 200000)]
//   [--pg-backlog N (default 100000)] [--duration SECONDS (default 4)]
import { parseArgs } from "node:util";
import { measureBacklog } from "./scenarios/backlog.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    backlog: { type: "string", default: "200000" },
    "pg-backlog": { type: "string", default: "100000" },
    duration: { type: "string", default: "4" },
  },
});
const figures = await measureBacklog(Number(values.backlog), Number(values["pg-backlog"]), Number(values.duration));
console.log(JSON.stringify(figures, null, 2));
