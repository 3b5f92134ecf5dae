import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../observability/logger.ts";
import { runCli } from "../cli/index.ts";
import { ApiKeyAuthenticator } from "./api-key-authenticator.ts";
import { generateKey, keyId, parseKeysFile, readKeysFile } from "./api-key-format.ts";

test("`millrace keys create` prints the key once and a line the keys file accepts", async () => {
  const out: string[] = [];
  const code = await runCli(
    ["keys", "create", "--scopes", "publish,admin", "--queues", "orders-*,billing", "--name", "ci"],
    {},
    {
      out: (text) => out.push(text),
      err: (text) => out.push(text),
    },
  );
  expect(code).toBe(0);
  const key = out[0]!.replace(/^key: /, "");
  expect(keyId(key)).not.toBeNull();
  const line = out[2]!;
  expect(line).not.toContain(key);
  const entries = parseKeysFile(`${line}\n`);
  const entry = entries.get(keyId(key)!)!;
  expect([...entry.principal.scopes]).toEqual(["publish", "admin"]);
  expect(entry.principal.queues.allows("orders-eu")).toBe(true);
  expect(entry.principal.queues.allows("billing")).toBe(true);
  expect(entry.principal.queues.allows("billing2")).toBe(false);
  expect(line).toContain("name=ci");
});

test("`millrace keys create` refuses unknown scopes and missing queues", async () => {
  const err: string[] = [];
  const io = { out: () => undefined, err: (text: string) => err.push(text) };
  expect(await runCli(["keys", "create", "--scopes", "root", "--queues", "*"], {}, io)).toBe(64);
  expect(await runCli(["keys", "create", "--scopes", "publish"], {}, io)).toBe(64);
  expect(err.join("\n")).toContain("--queues");
});

test("a bad keys file names every bad line and never echoes a pasted key", () => {
  const { key, line } = generateKey(["consume"], ["*"], null);
  let message = "";
  try {
    parseKeysFile(`${line}\n${key}\nid=abc sha256=00 scopes=publish queues=*\n${line}\n`);
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toContain("line 2: field 1 is not name=value");
  expect(message).toContain("line 3: id must be");
  expect(message).toContain("line 4: id");
  expect(message).not.toContain(key);
});

test("unknown ids and wrong secrets fail alike", async () => {
  const dir = mkdtempSync(join(tmpdir(), "millrace-keyfile-"));
  try {
    const good = generateKey(["publish"], ["*"], null);
    writeFileSync(join(dir, "keys"), `${good.line}\n`);
    const auth = await ApiKeyAuthenticator.open(
      join(dir, "keys"),
      createLogger("error", () => undefined),
    );
    expect(auth.authenticate(good.key).id).toBe(`key:${keyId(good.key)}`);
    const other = generateKey(["publish"], ["*"], null).key;
    const wrongSecret = `${good.key.slice(0, 21)}${other.slice(21)}`;
    const messages = [other, wrongSecret].map((k) => {
      try {
        auth.authenticate(k);
        return "accepted";
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(messages[0]).toBe(messages[1]);
    expect(messages[0]).toContain("not valid");
    auth.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("`millrace keys create --sqs` prints an access key and a keys-file line carrying its scopes and queues", async () => {
  const out: string[] = [];
  const io = { out: (text: string) => out.push(text), err: (text: string) => out.push(text) };
  expect(await runCli(["keys", "create", "--sqs", "--scopes", "consume", "--queues", "jobs-*"], {}, io)).toBe(0);
  const accessKeyId = out[0]!.replace(/^aws_access_key_id: /, "");
  const secret = out[1]!.replace(/^aws_secret_access_key: /, "");
  const { apiKeys, accessKeys } = readKeysFile(`${out[3]!}\n`);
  expect(apiKeys.size).toBe(0);
  const entry = accessKeys.get(accessKeyId)!;
  expect(entry.secret).toBe(secret);
  expect([...entry.principal.scopes]).toEqual(["consume"]);
  expect(entry.principal.queues.allows("jobs-1")).toBe(true);
  expect(entry.principal.queues.allows("orders")).toBe(false);
  expect(() => readKeysFile(`${out[3]!} extra=1\n`)).toThrow('unknown field "extra"');
  expect(() => readKeysFile(`access_key_id=MRAK00 secret_access_key=${secret} scopes=admin queues=*\n`)).toThrow(
    "line 1: access_key_id must be",
  );
});
