import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NewMessage } from "../../domain/message.ts";
import { openStore } from "../open-store.ts";
import { SqliteCopyReader } from "./copy-reader.ts";

let dir: string;
let path: string;
const COUNT = 25;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "millrace-copy-reader-"));
  path = join(dir, "millrace.db");
  const { store } = await openStore({ databaseUrl: null, sqlitePath: path });
  const now = Date.now();
  await store.queues.put("q", {}, now);
  const message = (i: number): NewMessage => ({
    body: JSON.stringify("x".repeat(1000 + i)),
    bodyIsBinary: false,
    headers: null,
    priority: 0,
    availableAt: now,
    groupId: null,
    dedupId: i % 5 === 0 ? `d-${i}` : null,
  });
  await store.messages.publish(
    "q",
    Array.from({ length: COUNT }, (_, i) => message(i)),
    now,
  );
  await store.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("batches end at the message count or the byte budget, and together hold every message once, in order", () => {
  const reader = SqliteCopyReader.open(path);
  try {
    const byCount = [...reader.messages(10, Number.MAX_SAFE_INTEGER)].map((batch) => batch.length);
    expect(byCount).toEqual([10, 10, 5]);
    // About 1 kB each: a 3 kB budget ends a batch at its third message.
    const byBytes = [...reader.messages(10, 3000)];
    expect(byBytes.map((batch) => batch.length)).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 1]);
    const seqs = byBytes.flat().map((row) => row.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(COUNT);
    expect(reader.countMessages()).toBe(COUNT);
    expect(reader.highestSeq()).toBe(Math.max(...seqs));
  } finally {
    reader.close();
  }
});

test("dedup keys page by (queue, dedup id) and leave out expired ones", () => {
  const reader = SqliteCopyReader.open(path);
  try {
    const pages = [...reader.dedupKeys(Date.now(), 2)];
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat().map((key) => key.dedupId)).toEqual(["d-0", "d-10", "d-15", "d-20", "d-5"]);
    // Far in the future every key has expired.
    expect([...reader.dedupKeys(Date.now() + 365 * 86_400_000, 2)]).toEqual([]);
  } finally {
    reader.close();
  }
});
