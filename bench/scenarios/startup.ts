// Exec to /health/ready of the compiled binary (built from this tree when missing or older than src/).
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { log, ROOT, spread, type Spread } from "../lib/measure.ts";
import { startMillrace } from "../lib/servers.ts";

export const BINARY = join(ROOT, "dist/millrace-linux-x64");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export async function ensureBinary(): Promise<string> {
  if (!existsSync(BINARY) || statSync(BINARY).mtimeMs < newestSource(join(ROOT, "src"))) {
    log("building the compiled binary (scripts/build-binary x64)");
    const build = Bun.spawn([join(ROOT, "scripts/build-binary"), "x64"], {
      cwd: ROOT,
      stdout: "ignore",
      stderr: "inherit",
    });
    if ((await build.exited) !== 0) throw new Error("scripts/build-binary x64 failed");
  }
  return BINARY;
}

/** Median exec-to-ready of `runs` starts, each on a fresh (or the given) data directory. */
export async function measureStartup(runs: number, dataDir?: string): Promise<Spread> {
  const binary = await ensureBinary();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const server = await startMillrace({ binary, ...(dataDir && { dataDir }) });
    times.push(server.startupMs);
    await server.stop();
  }
  const result = spread(times);
  log(`startup (compiled binary${dataDir ? ", with backlog" : ""}): median ${result.median.toFixed(0)} ms`);
  return result;
}
