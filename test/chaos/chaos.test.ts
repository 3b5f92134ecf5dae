import { expect, test } from "bun:test";
import { runChaos } from "./lib/run.ts";

// The bounded short version of scripts/chaos, run by scripts/test: a few rounds per driver with
// faults drawn from a seed printed first (MILLRACE_CHAOS_SEED replays one). The invariants are
// checked after every round (test/chaos/lib/invariants.ts); a failing round prints its seed and
// the scripts/chaos command that replays it. `scripts/chaos --rounds N` runs longer.

const SEED = Number(process.env.MILLRACE_CHAOS_SEED ?? Math.floor(Math.random() * 1_000_000));
const ROUNDS = 3;
const MESSAGES = 400;

for (const driver of ["sqlite", "postgres"] as const) {
  test(`chaos on ${driver}: ${ROUNDS} rounds of faults, every invariant holds after each`, async () => {
    console.log(
      `chaos on ${driver}: seed ${SEED} (replay: MILLRACE_CHAOS_SEED=${SEED}, or scripts/chaos --driver ${driver} --seed ${SEED})`,
    );
    const summary = await runChaos({ driver, seed: SEED, rounds: ROUNDS, messages: MESSAGES });
    expect(summary.failed?.violations ?? []).toEqual([]);
    expect(summary.rounds).toHaveLength(ROUNDS);
    expect(summary.lost).toBe(0);
    expect(Object.values(summary.faults).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(ROUNDS);
  }, 300_000);
}
