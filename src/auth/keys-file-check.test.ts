import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/index.ts";
import { generateKey } from "./api-key-format.ts";
import { keysFileProblems } from "./keys-file-check.ts";

describe("keys file check at start", () => {
  const files: Record<string, string> = {
    "/good": `${generateKey(["publish"], ["*"], null).line}\n`,
    "/bad": "scopes=x\n",
  };
  const read = (path: string): string => {
    const content = files[path];
    if (content === undefined) throw new Error(`ENOENT: ${path}`);
    return content;
  };

  const v1 = { auth: "api-key", sqsListen: null, mode: "all" } as const;

  test("a valid file passes; a broken one is named with its line; other auth modes skip it", () => {
    expect(keysFileProblems({ ...v1, apiKeysFile: "/good" }, read)).toEqual([]);
    expect(keysFileProblems({ ...v1, apiKeysFile: "/bad" }, read)[0]).toContain(
      "MILLRACE_API_KEYS_FILE: /bad: line 1:",
    );
    expect(keysFileProblems({ ...v1, auth: "none", apiKeysFile: "/bad" }, read)).toEqual([]);
    // With JWT for /v1, the SQS listener still reads its access keys from the file.
    const sqs = {
      auth: "jwt",
      apiKeysFile: "/bad",
      sqsListen: { host: "127.0.0.1", port: 9324 },
      mode: "all",
    } as const;
    expect(keysFileProblems(sqs, read)[0]).toContain("MILLRACE_API_KEYS_FILE: /bad: line 1:");
    expect(keysFileProblems({ ...sqs, sqsListen: null }, read)).toEqual([]);
  });

  test("check-config and serve refuse a broken keys file with exit code 78", async () => {
    const dir = mkdtempSync(join(tmpdir(), "millrace-keys-"));
    try {
      const file = join(dir, "keys");
      writeFileSync(file, "scopes=x\n");
      const err: string[] = [];
      const io = { out: () => undefined, err: (text: string) => err.push(text) };
      const env = { MILLRACE_AUTH: "api-key", MILLRACE_API_KEYS_FILE: file, MILLRACE_DATA_DIR: dir };
      expect(await runCli(["check-config"], env, io)).toBe(78);
      expect(await runCli(["serve"], env, io)).toBe(78);
      expect(err.join("\n")).toContain(`MILLRACE_API_KEYS_FILE: ${file}: line 1:`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
