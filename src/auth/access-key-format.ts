import { randomBytes } from "node:crypto";
import { parseGrant, type Principal, type Scope } from "./principal.ts";

/**
 * SQS access keys: an access key id (`MRAK` + 16 upper-case hex) and a 40-character secret. They
 * sit in the API keys file beside API keys, with the same scopes and queue patterns:
 *
 *   access_key_id=MRAK3F9C0A7B12DE4456 secret_access_key=<40 chars> scopes=publish,consume queues=orders-* name=app
 *
 * Unlike API keys the secret is stored as it is: AWS Signature Version 4 is an HMAC keyed by the
 * secret, so the server must hold it. Keep the file readable by the service user only.
 */
export interface AccessKeyEntry {
  accessKeyId: string;
  secret: string;
  principal: Principal;
}

const ACCESS_KEY_ID = /^MRAK[0-9A-F]{16}$/;
const SECRET = /^[A-Za-z0-9_-]{40}$/;
export const ACCESS_KEY_FIELDS = ["access_key_id", "secret_access_key", "scopes", "queues", "name"];

export function generateAccessKey(
  scopes: Scope[],
  queues: string[],
  name: string | null,
): { accessKeyId: string; secret: string; line: string } {
  const accessKeyId = `MRAK${randomBytes(8).toString("hex").toUpperCase()}`;
  const secret = randomBytes(30).toString("base64url");
  const fields = [
    `access_key_id=${accessKeyId}`,
    `secret_access_key=${secret}`,
    `scopes=${scopes.join(",")}`,
    `queues=${queues.join(",")}`,
  ];
  if (name) fields.push(`name=${name}`);
  return { accessKeyId, secret, line: fields.join(" ") };
}

/** One access-key line's fields, already split; throws with what to fix (never echoing the secret). */
export function parseAccessKeyFields(fields: Map<string, string>): AccessKeyEntry {
  const accessKeyId = fields.get("access_key_id") ?? "";
  if (!ACCESS_KEY_ID.test(accessKeyId)) {
    throw new Error("access_key_id must be MRAK followed by 16 upper-case hex characters");
  }
  const secret = fields.get("secret_access_key") ?? "";
  if (!SECRET.test(secret)) throw new Error("secret_access_key must be the 40-character secret printed with the key");
  const grant = parseGrant(fields);
  return {
    accessKeyId,
    secret,
    principal: { id: `sqs:${accessKeyId}`, ...grant },
  };
}
