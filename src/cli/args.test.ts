import { expect, test } from "bun:test";
import { parseArgs } from "./args.ts";

test("parses positionals, valued flags and switches", () => {
  expect(parseArgs(["dlq", "redrive", "orders", "--all", "--url", "http://x", "--limit=5", "-h"])).toEqual({
    positionals: ["dlq", "redrive", "orders"],
    flags: { "--all": "true", "--url": "http://x", "--limit": "5", "--help": "true" },
  });
});

test("a flag followed by another flag is a switch", () => {
  expect(parseArgs(["serve", "--docs", "--listen", "127.0.0.1:1"]).flags).toEqual({
    "--docs": "true",
    "--listen": "127.0.0.1:1",
  });
});
