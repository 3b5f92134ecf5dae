import { expect, test } from "bun:test";
import { createLogger } from "./logger.ts";

test("JSON lines with ts, level, msg and context, filtered by level", () => {
  const lines: string[] = [];
  const logger = createLogger("warn", (line) => lines.push(line));
  logger.debug("hidden");
  logger.info("hidden too");
  logger.warn("shown", { queue: "orders" });
  logger.error("also shown");
  expect(lines).toHaveLength(2);
  expect(lines.every((line) => line.endsWith("\n"))).toBe(true);
  const first = JSON.parse(lines[0]!) as Record<string, unknown>;
  expect(first).toMatchObject({ level: "warn", msg: "shown", queue: "orders" });
  expect(new Date(first.ts as string).toISOString()).toBe(first.ts as string);
  expect(logger.isEnabled("info")).toBe(false);
  expect(logger.isEnabled("error")).toBe(true);
});
