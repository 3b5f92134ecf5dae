import { expect, test } from "bun:test";
import { SqsError } from "./errors.ts";
import { signForTest, verifySigV4 } from "./sigv4.ts";

const EXAMPLE_KEY = { accessKeyId: "AKIDEXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const EXAMPLE_TIME = Date.UTC(2015, 7, 30, 12, 36, 0);

function signatureOf(headers: Record<string, string>): string {
  return /Signature=([0-9a-f]{64})/.exec(headers.authorization!)![1]!;
}

// Vectors of AWS's SigV4 test suite: the canonical request, key derivation and final HMAC that
// verification uses must reproduce them.
test("the AWS test suite's get-vanilla and query-order vectors", () => {
  const base = { method: "GET", rawPath: "/", body: new Uint8Array(), headers: { host: "example.amazonaws.com" } };
  const vanilla = signForTest({ ...base, rawQuery: "" }, EXAMPLE_KEY, { now: EXAMPLE_TIME, service: "service" });
  expect(signatureOf(vanilla)).toBe("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  expect(vanilla.authorization).toContain("SignedHeaders=host;x-amz-date,");
  const query = signForTest({ ...base, rawQuery: "Param2=value2&Param1=value1" }, EXAMPLE_KEY, {
    now: EXAMPLE_TIME,
    service: "service",
  });
  expect(signatureOf(query)).toBe("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
});

const KEY = { accessKeyId: "MRAK0123456789ABCDEF", secret: "s".repeat(40) };
const lookup = (id: string) => (id === KEY.accessKeyId ? { secret: KEY.secret, principal: "p" } : undefined);
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

function signed(overrides: { body?: string; headers?: Record<string, string> } = {}) {
  const body = new TextEncoder().encode(overrides.body ?? "Action=ListQueues");
  const headers = signForTest(
    {
      method: "POST",
      rawPath: "/",
      rawQuery: "",
      body,
      headers: { host: "sqs.local:9324", "content-type": "application/x-www-form-urlencoded" },
    },
    KEY,
    { now: NOW },
  );
  return {
    method: "POST",
    rawPath: "/",
    rawQuery: "",
    body,
    headers: new Headers({ ...headers, ...overrides.headers }),
  };
}

function codeOf(run: () => unknown): string {
  try {
    run();
    return "accepted";
  } catch (error) {
    return error instanceof SqsError ? error.queryCode : String(error);
  }
}

test("a signature verifies; any change to what it covers does not", () => {
  expect(verifySigV4(signed(), lookup, NOW)).toBe("p");
  // Headers it does not sign may change (proxies add them).
  expect(verifySigV4(signed({ headers: { "x-forwarded-for": "10.0.0.1" } }), lookup, NOW)).toBe("p");
  const changedHost = signed({ headers: { host: "other:9324" } });
  expect(codeOf(() => verifySigV4(changedHost, lookup, NOW))).toBe("SignatureDoesNotMatch");
  const changedBody = { ...signed(), body: new TextEncoder().encode("Action=DeleteQueue") };
  expect(codeOf(() => verifySigV4(changedBody, lookup, NOW))).toBe("SignatureDoesNotMatch");
  const claimed = signed({ headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } });
  expect(codeOf(() => verifySigV4(claimed, lookup, NOW))).toBe("SignatureDoesNotMatch");
});

test("scope, date and header rules", () => {
  const request = signed();
  const auth = request.headers.get("authorization")!;
  const withAuth = (value: string) => ({
    ...request,
    headers: new Headers({ ...Object.fromEntries(request.headers), authorization: value }),
  });
  expect(codeOf(() => verifySigV4(withAuth(auth.replace("host;", "")), lookup, NOW))).toBe("IncompleteSignature");
  expect(codeOf(() => verifySigV4(withAuth(auth.replace("/20260102/", "/20260101/")), lookup, NOW))).toBe(
    "SignatureDoesNotMatch",
  );
  expect(codeOf(() => verifySigV4(withAuth(auth.replace("Signature=", "Signature=0")), lookup, NOW))).toBe(
    "IncompleteSignature",
  );
  expect(codeOf(() => verifySigV4(request, lookup, NOW + 15 * 60 * 1000))).toBe("accepted");
  expect(codeOf(() => verifySigV4(request, lookup, NOW + 15 * 60 * 1000 + 1000))).toBe("RequestExpired");
  const noDate = { ...request, headers: new Headers({ authorization: auth, host: "sqs.local:9324" }) };
  expect(codeOf(() => verifySigV4(noDate, lookup, NOW))).toBe("IncompleteSignature");
});
