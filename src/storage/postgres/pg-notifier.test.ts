import { expect, test } from "bun:test";
import type { SQL } from "bun";
import { PgNotifier } from "./pg-notifier.ts";

// How many statements the notifier sends, on a client that only records them (the wake-ups
// themselves, across instances, are tested on a real database in postgres-store.test.ts).

function recordingClient(): { sql: SQL; statements: unknown[][] } {
  const statements: unknown[][] = [];
  const sql = (_strings: TemplateStringsArray, ...values: unknown[]) => {
    statements.push(values);
    return Promise.resolve([]);
  };
  return { sql: sql as unknown as SQL, statements };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test("the notifications of one turn leave in one statement, one payload per queue", async () => {
  const { sql, statements } = recordingClient();
  const notifier = new PgNotifier(sql);
  for (let i = 0; i < 5; i++) notifier.notify("orders", 1);
  notifier.notify("emails", 2);
  await nextTurn();
  await nextTurn();
  expect(statements).toHaveLength(1);
  const payloads = (statements[0]![1] as string[]).map((p) => JSON.parse(p) as { q: string; n: number });
  expect(payloads.map(({ q, n }) => [q, n])).toEqual([
    ["orders", 5],
    ["emails", 2],
  ]);

  notifier.notify("orders", 1);
  await nextTurn();
  await nextTurn();
  expect(statements).toHaveLength(2);
});
