import { expect, test } from "bun:test";
import { BrokerError } from "../domain/errors.ts";
import { createLogger } from "../observability/logger.ts";
import { PeriodicService } from "./service.ts";

async function runs(failures: Array<Error | null>): Promise<string[]> {
  const lines: string[] = [];
  const logger = createLogger("debug", (line) => lines.push(line));
  let index = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const service = new PeriodicService(
    "sweeper",
    1,
    async () => {
      const failure = failures[index++];
      if (index >= failures.length) finished();
      if (failure) throw failure;
    },
    logger,
  );
  service.start();
  await done;
  await service.stop();
  return lines.map((line) => (JSON.parse(line) as { msg: string; error?: string }).msg);
}

test("a failure repeated on every run is logged once, and again only after a success", async () => {
  const lost = new Error("database is locked");
  const logged = await runs([lost, lost, lost, null, lost, lost]);
  expect(logged).toEqual(["sweeper failed; it will retry", "sweeper failed; it will retry"]);
});

test("a full disk is not logged by each service: the store logs the episode once", async () => {
  const full = new BrokerError("disk_full", 507, "the data directory is full");
  expect(await runs([full, full, full])).toEqual([]);
});
