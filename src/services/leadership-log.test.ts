import { expect, test } from "bun:test";
import { createLogger } from "../observability/logger.ts";
import { leadershipLog } from "./leadership-log.ts";

test("logs when leadership is taken and when it is lost, once per change", () => {
  const lines: Array<{ level: string; msg: string; leader: boolean }> = [];
  const log = leadershipLog(createLogger("info", (line) => lines.push(JSON.parse(line) as (typeof lines)[number])));
  for (const leads of [false, false, true, true, true, false, false, true]) log(leads);
  expect(lines.map(({ level, leader }) => [level, leader])).toEqual([
    ["info", true],
    ["warn", false],
    ["info", true],
  ]);
  expect(lines[0]!.msg).toContain("took the fleet's leadership");
  expect(lines[1]!.msg).toContain("lost the fleet's leadership");
});
