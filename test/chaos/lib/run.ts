import type { RoundReport } from "./invariants.ts";
import { replayCommand, runRound } from "./round.ts";
import { Target, type Driver, type FaultKind } from "./targets.ts";

// Rounds on one target: round r of a run with seed S uses seed S + r, so a failing round is
// replayed alone with `scripts/chaos --seed <S + r> --rounds 1`.

export interface ChaosOptions {
  driver: Driver;
  seed: number;
  rounds: number;
  messages: number;
  log?: (line: string) => void;
}

export interface ChaosSummary {
  driver: Driver;
  seed: number;
  rounds: RoundReport[];
  faults: Partial<Record<FaultKind, number>>;
  published: number;
  lost: number;
  duplicates: number;
  webhookDuplicates: number;
  dead: number;
  failed: RoundReport | null;
}

export function describeRound(driver: Driver, report: RoundReport): string {
  return (
    `${driver} round seed ${report.seed} [${report.faults.join(", ")}]: ${report.published} published + ` +
    `${report.hooksPublished} webhooks; ${report.ackedOk} acked ok, ${report.ackedAnswerLost} acked with the answer lost, ` +
    `${report.dead} dead, ${report.lost} lost; ${report.duplicates} redeliveries after a lease ended ` +
    `(${report.redeliveredAfterRelease} given back by a SIGTERMed instance, the rest expired), ` +
    `${report.webhookSends} webhook sends (${report.webhookHung} held by a hang, ${report.webhookDuplicates} after a 200); ${report.refusedDiskFull} writes refused 507`
  );
}

export async function runChaos(options: ChaosOptions): Promise<ChaosSummary> {
  const log = options.log ?? console.log;
  const target = new Target(options.driver);
  const summary: ChaosSummary = {
    driver: options.driver,
    seed: options.seed,
    rounds: [],
    faults: {},
    published: 0,
    lost: 0,
    duplicates: 0,
    webhookDuplicates: 0,
    dead: 0,
    failed: null,
  };
  try {
    await target.start();
    for (let r = 0; r < options.rounds; r++) {
      const report = await runRound(target, options.seed + r, options.messages);
      summary.rounds.push(report);
      for (const fault of report.faults) summary.faults[fault] = (summary.faults[fault] ?? 0) + 1;
      summary.published += report.published + report.hooksPublished;
      summary.lost += report.lost;
      summary.duplicates += report.duplicates;
      summary.webhookDuplicates += report.webhookDuplicates;
      summary.dead += report.dead;
      log(describeRound(options.driver, report));
      if (report.violations.length > 0) {
        summary.failed = report;
        log(
          `ROUND FAILED (seed ${report.seed}); replay: ${replayCommand(options.driver, report.seed)}\n` +
            report.violations.slice(0, 30).join("\n") +
            `\n${target.tails()}`,
        );
        break;
      }
    }
  } finally {
    await target.destroy();
  }
  return summary;
}
