import { expect, test } from "bun:test";
import type { NewMessage } from "../../domain/message.ts";
import { decodeBatch, encodeBatch, type Operation } from "./protocol.ts";

function message(body: string, extra: Partial<NewMessage> = {}): NewMessage {
  return {
    body,
    bodyIsBinary: false,
    headers: null,
    priority: 0,
    availableAt: 1_700_000_000_000,
    groupId: null,
    dedupId: null,
    ...extra,
  };
}

test("a batch frame gives back every operation as sent, bodies with newlines and any characters included", () => {
  const ops: Operation[] = [
    ["messages.publish", ["orders", [message('{"a":"line\\nbreak","b":"ü ✓ 😀"}'), message('"\n{\n"')], 5]],
    ["messages.ack", ["orders", ["r1.2.3"], 6]],
    [
      "messages.publish",
      [
        "billing",
        [
          message("aGVsbG8=", {
            bodyIsBinary: true,
            headers: '{"type":"x\\n"}',
            priority: -3,
            groupId: "g",
            dedupId: "d",
          }),
          message(""),
        ],
        7,
      ],
    ],
    ["topics.publish", ["t", [message("1")], 8]],
  ];
  const frame = encodeBatch(ops);
  expect(frame.startsWith("{")).toBe(false);
  expect(decodeBatch(frame)).toEqual(ops);
});
