import { expect, test } from "bun:test";
import { CopyProgress } from "./copy-progress.ts";

function run(tty: boolean, total: number, batches: number[]): string {
  let written = "";
  const progress = new CopyProgress(total, { tty, write: (text) => (written += text) });
  for (const batch of batches) progress.advance(batch);
  progress.finish();
  return written;
}

test("without a terminal, one line each time another 5% is done, never one per batch", () => {
  const lines = run(
    false,
    1000,
    Array.from({ length: 100 }, () => 10),
  )
    .trimEnd()
    .split("\n");
  expect(lines).toHaveLength(21);
  expect(lines[0]).toBe("copied 10/1000 messages (1%)");
  expect(lines[1]).toBe("copied 50/1000 messages (5%)");
  expect(lines.at(-1)).toBe("copied 1000/1000 messages (100%)");
});

test("on a terminal, one line rewritten in place, ended by a newline", () => {
  const written = run(true, 30, [10, 10, 10]);
  expect(written).toBe("\rcopied 10/30 messages (33%)\rcopied 20/30 messages (66%)\rcopied 30/30 messages (100%)\n");
});

test("nothing to copy writes nothing", () => {
  expect(run(false, 0, [])).toBe("");
  expect(run(true, 0, [])).toBe("");
});
