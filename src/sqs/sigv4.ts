import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import {
  incompleteSignature,
  invalidClientTokenId,
  missingAuthenticationToken,
  requestExpired,
  signatureDoesNotMatch,
} from "./errors.ts";

/** AWS allows a signed request to be this far from the server's clock, either way. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequest {
  method: string;
  /** The path exactly as it came on the wire (still percent-encoded). */
  rawPath: string;
  /** The query string without its `?`, as it came on the wire. */
  rawQuery: string;
  headers: Headers;
  body: Uint8Array;
}

export interface Credential<P> {
  secret: string;
  principal: P;
}

const AUTH_PATTERN =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request\s*,\s*SignedHeaders=([a-z0-9;_.-]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * Verifies an AWS Signature Version 4 (Authorization header form) and returns the principal of
 * its access key. The service in the credential scope must be `sqs`; any region is accepted,
 * since Millrace has no regions and the region is bound into the signature anyway. The payload
 * hash is always computed from the body received, so a signed header cannot vouch for another body.
 */
export function verifySigV4<P>(
  request: SignedRequest,
  lookup: (accessKeyId: string) => Credential<P> | undefined,
  now: number,
): P {
  const authorization = request.headers.get("authorization");
  if (authorization === null) {
    throw missingAuthenticationToken(
      "the request is not signed; sign it with AWS Signature Version 4 using a Millrace access key (millrace keys create --sqs)",
    );
  }
  const match = AUTH_PATTERN.exec(authorization.trim());
  if (!match) {
    throw incompleteSignature(
      "the Authorization header is not an AWS4-HMAC-SHA256 signature with Credential, SignedHeaders and Signature",
    );
  }
  const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] = match as unknown as string[];
  if (service !== "sqs") {
    throw signatureDoesNotMatch(`the credential scope names service "${service}"; sign for the service "sqs"`);
  }
  const signedHeaders = signedHeaderList!.split(";");
  if (!signedHeaders.includes("host")) throw incompleteSignature("SignedHeaders must include host");
  const amzDate = request.headers.get("x-amz-date") ?? "";
  const time = parseAmzDate(amzDate);
  if (time === null) throw incompleteSignature("send X-Amz-Date as yyyyMMddTHHmmssZ");
  if (amzDate.slice(0, 8) !== scopeDate) {
    throw signatureDoesNotMatch("the credential scope's date is not the date of X-Amz-Date");
  }
  if (Math.abs(now - time) > MAX_CLOCK_SKEW_MS) {
    throw requestExpired(
      `X-Amz-Date ${amzDate} is more than 15 minutes from the server's time ${toAmzDate(now)}; check the client's clock`,
    );
  }
  const credential = lookup(accessKeyId!);
  // Unknown keys still pay for a signature, so timing does not tell them from wrong secrets.
  const secret = credential?.secret ?? "unknown-access-key-placeholder";
  const payloadHash = createHash("sha256").update(request.body).digest("hex");
  const claimedHash = request.headers.get("x-amz-content-sha256");
  const scope = `${scopeDate}/${region}/${service}/aws4_request`;
  const canonical = canonicalRequest(request, signedHeaders, payloadHash);
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, createHash("sha256").update(canonical).digest("hex")].join(
    "\n",
  );
  const expected = hmac(signingKey(secret, scopeDate, region!, service), stringToSign);
  const matches = timingSafeEqual(expected, Buffer.from(signature!, "hex"));
  if (!credential) {
    throw invalidClientTokenId("the access key id is not known; create one with `millrace keys create --sqs`");
  }
  if (!matches || (claimedHash !== null && claimedHash !== payloadHash)) {
    throw signatureDoesNotMatch(
      "the request signature does not match; check the secret access key and that nothing rewrote the request on the way",
    );
  }
  return credential.principal;
}

export function canonicalRequest(request: SignedRequest, signedHeaders: string[], payloadHash: string): string {
  const headerLines = signedHeaders.map((name) => `${name}:${canonicalHeaderValue(request.headers.get(name))}\n`);
  return [
    request.method.toUpperCase(),
    canonicalPath(request.rawPath),
    canonicalQuery(request.rawQuery),
    headerLines.join(""),
    signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
}

/** Non-S3 services encode the path twice: the wire form (already encoded) is encoded again. */
function canonicalPath(rawPath: string): string {
  return rawPath === "" ? "/" : rawPath.split("/").map(strictEncode).join("/");
}

function canonicalQuery(rawQuery: string): string {
  if (rawQuery === "") return "";
  const pairs = rawQuery
    .split("&")
    .filter((part) => part !== "")
    .map((part) => {
      const eq = part.indexOf("=");
      const key = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? "" : part.slice(eq + 1);
      return [strictEncode(safeDecode(key)), strictEncode(safeDecode(value))] as const;
    });
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

function canonicalHeaderValue(value: string | null): string {
  return (value ?? "").trim().replace(/\s+/g, " ");
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ */
export function strictEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(Buffer.from(`AWS4${secret}`, "utf8"), date);
  return hmac(hmac(hmac(kDate, region), service), "aws4_request");
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

function parseAmzDate(text: string): number | null {
  const m = AMZ_DATE.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const time = Date.UTC(y!, mo! - 1, d, h, mi, s);
  return Number.isNaN(time) ? null : time;
}

export function toAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/** Signs a request the way the SDKs do; for tests and the bench, which need requests a client would send. */
export function signForTest(
  request: Omit<SignedRequest, "headers"> & { headers: Record<string, string> },
  key: { accessKeyId: string; secret: string },
  options: { now: number; region?: string; service?: string },
): Record<string, string> {
  const amzDate = toAmzDate(options.now);
  const region = options.region ?? "us-east-1";
  const service = options.service ?? "sqs";
  const headers: Record<string, string> = { ...request.headers, "x-amz-date": amzDate };
  const names = Object.keys(headers)
    .map((n) => n.toLowerCase())
    .sort();
  const lower = new Headers(headers);
  const payloadHash = createHash("sha256").update(request.body).digest("hex");
  const canonical = canonicalRequest({ ...request, headers: lower }, names, payloadHash);
  const scope = `${amzDate.slice(0, 8)}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, createHash("sha256").update(canonical).digest("hex")].join(
    "\n",
  );
  const signature = hmac(signingKey(key.secret, amzDate.slice(0, 8), region, service), stringToSign).toString("hex");
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`,
  };
}
