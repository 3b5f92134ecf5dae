import { expect, test } from "bun:test";
import { generateAccessKey } from "../auth/access-key-format.ts";
import { keysFileProblems } from "../auth/keys-file-check.ts";
import { ConfigError, loadConfig } from "./load.ts";

function problemsOf(env: Record<string, string>, files: Record<string, string> = {}): string[] {
  try {
    loadConfig({
      env,
      flags: {},
      readFile: (path) => {
        if (files[path] === undefined) throw new Error(`ENOENT: ${path}`);
        return files[path];
      },
    });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const JWT = {
  MILLRACE_AUTH: "jwt",
  MILLRACE_JWT_SECRET: "s3cret-s3cret-s3cret-s3cret-s3cret-s3cret",
  MILLRACE_JWT_ISSUER: "i",
  MILLRACE_JWT_AUDIENCE: "a",
};

test("the SQS listener is off by default and parses host:port and a public URL", () => {
  expect(loadConfig({ env: {}, flags: {} }).sqsListen).toBeNull();
  const config = loadConfig({
    env: { MILLRACE_SQS_LISTEN: "127.0.0.1:9324", MILLRACE_SQS_PUBLIC_URL: "https://sqs.example.com/" },
    flags: {},
  });
  expect(config.sqsListen).toEqual({ host: "127.0.0.1", port: 9324 });
  expect(config.sqsPublicUrl).toBe("https://sqs.example.com");
  expect(problemsOf({ MILLRACE_SQS_PUBLIC_URL: "https://x/path" })[0]).toContain("MILLRACE_SQS_PUBLIC_URL");
});

test("no auth is refused on a public SQS address, and the SQS port may not be the API's", () => {
  expect(problemsOf({ MILLRACE_SQS_LISTEN: "0.0.0.0:9324" }).join("\n")).toContain(
    "MILLRACE_SQS_LISTEN (0.0.0.0:9324) is not a loopback address",
  );
  expect(problemsOf({ MILLRACE_SQS_LISTEN: "127.0.0.1:7411" }).join("\n")).toContain(
    "MILLRACE_SQS_LISTEN: is the API address",
  );
  expect(problemsOf({ MILLRACE_SQS_LISTEN: "127.0.0.1:9324" })).toEqual([]);
});

test("with JWT for /v1 the SQS listener still needs a keys file for its access keys, checked by auth", () => {
  expect(problemsOf({ ...JWT, MILLRACE_SQS_LISTEN: "127.0.0.1:9324" }).join("\n")).toContain(
    "MILLRACE_API_KEYS_FILE: MILLRACE_SQS_LISTEN needs it",
  );
  const env = { ...JWT, MILLRACE_SQS_LISTEN: "127.0.0.1:9324", MILLRACE_API_KEYS_FILE: "/keys" };
  const files: Record<string, string> = {
    "/bad": "access_key_id=bad\n",
    "/good": `${generateAccessKey(["admin"], ["*"], null).line}\n`,
  };
  const read = (path: string): string => files[path]!;
  const config = loadConfig({ env, flags: {} });
  expect(keysFileProblems({ ...config, apiKeysFile: "/bad" }, read).join("\n")).toContain(
    "line 1: access_key_id must be",
  );
  expect(keysFileProblems({ ...config, apiKeysFile: "/good" }, read)).toEqual([]);
});
