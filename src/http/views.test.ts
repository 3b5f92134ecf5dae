import { expect, test } from "bun:test";
import type { LeasedMessage } from "../domain/message.ts";
import { leasedMessagesJson } from "./views.ts";

const base: LeasedMessage = {
  id: "01900000-0000-7000-8000-000000000001",
  receipt: "r1.1.1",
  body: '{"a":[1,"two",{"three":null}],"quote":"\\"x\\""}',
  bodyIsBinary: false,
  headers: '{"type":"order.created"}',
  priority: -3,
  groupId: null,
  attempts: 2,
  enqueuedAt: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
  leaseExpiresAt: Date.UTC(2026, 0, 2, 3, 4, 35, 6),
  lastError: 'bad "input"\nline two',
};

test("the spliced receive JSON parses to the documented shape", () => {
  const binary: LeasedMessage = {
    ...base,
    id: "b",
    body: "AAEC/w==",
    bodyIsBinary: true,
    headers: null,
    groupId: "g\u2028",
  };
  expect(JSON.parse(leasedMessagesJson([base, binary]))).toEqual({
    messages: [
      {
        id: base.id,
        receipt: "r1.1.1",
        body: { a: [1, "two", { three: null }], quote: '"x"' },
        headers: { type: "order.created" },
        priority: -3,
        groupId: null,
        attempts: 2,
        enqueuedAt: "2026-01-02T03:04:05.006Z",
        leaseExpiresAt: "2026-01-02T03:04:35.006Z",
        lastError: 'bad "input"\nline two',
      },
      {
        id: "b",
        receipt: "r1.1.1",
        bodyBase64: "AAEC/w==",
        headers: {},
        priority: -3,
        groupId: "g\u2028",
        attempts: 2,
        enqueuedAt: "2026-01-02T03:04:05.006Z",
        leaseExpiresAt: "2026-01-02T03:04:35.006Z",
        lastError: 'bad "input"\nline two',
      },
    ],
  });
  expect(leasedMessagesJson([])).toBe('{"messages":[]}');
});
