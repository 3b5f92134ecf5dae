import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { errorCode, startApp, type RunningApp } from "../helpers/start-app.ts";

// JWT authentication against the real server: HS256 with a shared secret, and RS256/ES256/EdDSA
// against a JWKS served by a local Bun.serve. Every bad token gets a clear 401 or 403.

const SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789";
const ISSUER = "https://issuer.test";
const AUDIENCE = "millrace-test";
const now = () => Math.floor(Date.now() / 1000);

function hs256(claims: Record<string, unknown>, secret = SECRET) {
  // Claims given here override the defaults, so each case can break exactly one of them.
  return new SignJWT({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: "svc-test",
    iat: now(),
    exp: now() + 300,
    scope: "publish consume",
    ...claims,
  })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(secret));
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function publish(url: string, queue: string, token: string | null) {
  return fetch(`${url}/v1/queues/${queue}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ body: { ok: true } }),
  });
}

async function createQueue(url: string, token: string, name: string) {
  const response = await fetch(`${url}/v1/queues/${name}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: "{}",
  });
  expect([200, 201]).toContain(response.status);
}

describe("HS256", () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({
      MILLRACE_AUTH: "jwt",
      MILLRACE_JWT_SECRET: SECRET,
      MILLRACE_JWT_ISSUER: ISSUER,
      MILLRACE_JWT_AUDIENCE: AUDIENCE,
    });
    await createQueue(running.url, await hs256({ scope: "admin" }), "jobs");
    await createQueue(running.url, await hs256({ scope: "admin" }), "secret-jobs");
  });
  afterAll(() => running.stop());

  const cases: Array<[string, () => Promise<string | null>, number, string]> = [
    ["missing", async () => null, 401, "missing_credentials"],
    ["malformed", async () => "not-a-jwt", 401, "malformed_credentials"],
    ["wrong signature", () => hs256({}, "another-secret-that-is-long-enough-for-hs256-xx"), 401, "invalid_credentials"],
    ["expired (beyond the clock skew)", () => hs256({ exp: now() - 120, iat: now() - 600 }), 401, "token_expired"],
    ["not yet valid", () => hs256({ nbf: now() + 600 }), 401, "token_not_yet_valid"],
    ["wrong audience", () => hs256({ aud: "someone-else" }), 401, "invalid_audience"],
    ["wrong issuer", () => hs256({ iss: "https://evil.test" }), 401, "invalid_issuer"],
    [
      "alg=none",
      async () =>
        `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ iss: ISSUER, aud: AUDIENCE, exp: now() + 300, scope: "publish" })}.`,
      401,
      "unsupported_algorithm",
    ],
    ["wrong scope", () => hs256({ scope: "consume" }), 403, "insufficient_scope"],
    ["wrong queue", () => hs256({ millrace_queues: ["other-*"] }), 403, "queue_not_allowed"],
  ];

  for (const [name, token, status, code] of cases) {
    test(`${name}: ${status} ${code}`, async () => {
      const response = await publish(running.url, "jobs", await token());
      expect(response.status).toBe(status);
      expect(await errorCode(response)).toBe(code);
    });
  }

  test("a valid token publishes, within its queue patterns; a slightly expired one passes the skew", async () => {
    expect((await publish(running.url, "jobs", await hs256({}))).status).toBe(201);
    expect((await publish(running.url, "jobs", await hs256({ millrace_queues: ["jobs"] }))).status).toBe(201);
    expect((await publish(running.url, "jobs", await hs256({ exp: now() - 5, iat: now() - 60 }))).status).toBe(201);
    const limited = await hs256({ millrace_queues: "jobs" });
    expect((await publish(running.url, "secret-jobs", limited)).status).toBe(403);
  });

  test("the secret and the tokens never reach the logs", async () => {
    const token = await hs256({});
    await publish(running.url, "jobs", token);
    const logs = running.logText();
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.split(".")[2]!);
    expect(logs).toContain('"principal":"jwt:svc-test"');
  });
});

describe("JWKS (RS256, ES256, EdDSA)", () => {
  let running: RunningApp;
  let jwksServer: Server<unknown>;
  let published: JWK[] = [];
  let fetches = 0;
  const keys: Record<string, { privateKey: CryptoKey; publicJwk: JWK }> = {};

  async function makeKey(alg: string, kid: string) {
    const pair = await generateKeyPair(
      alg,
      alg === "EdDSA" ? { crv: "Ed25519", extractable: true } : { extractable: true },
    );
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg, use: "sig" };
    keys[kid] = { privateKey: pair.privateKey, publicJwk };
    return publicJwk;
  }

  function signWith(kid: string, alg: string, claims: Record<string, unknown> = {}) {
    return new SignJWT({ scope: "publish", ...claims })
      .setProtectedHeader({ alg, kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(`svc-${kid}`)
      .setExpirationTime("5m")
      .sign(keys[kid]!.privateKey);
  }

  beforeAll(async () => {
    published = [await makeKey("RS256", "rsa-1"), await makeKey("ES256", "ec-1"), await makeKey("EdDSA", "ed-1")];
    jwksServer = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => {
        fetches += 1;
        return Response.json({ keys: published });
      },
    });
    running = await startApp({
      MILLRACE_AUTH: "jwt",
      MILLRACE_JWKS_URLS: `http://127.0.0.1:${jwksServer.port}/.well-known/jwks.json`,
      MILLRACE_JWT_ISSUER: ISSUER,
      MILLRACE_JWT_AUDIENCE: AUDIENCE,
    });
    await createQueue(running.url, await signWith("rsa-1", "RS256", { scope: "admin" }), "jobs");
  });
  afterAll(async () => {
    await running.stop();
    await jwksServer.stop(true);
  });

  test("tokens signed with each key type are accepted, and the key set is fetched once", async () => {
    expect((await publish(running.url, "jobs", await signWith("rsa-1", "RS256"))).status).toBe(201);
    expect((await publish(running.url, "jobs", await signWith("ec-1", "ES256"))).status).toBe(201);
    expect((await publish(running.url, "jobs", await signWith("ed-1", "EdDSA"))).status).toBe(201);
    expect(fetches).toBe(1);
  });

  test("a forged HS256 token keyed with the RSA public key (HS/RS swap) is refused", async () => {
    const publicJwk = keys["rsa-1"]!.publicJwk;
    const forged = await new SignJWT({ scope: "publish" })
      .setProtectedHeader({ alg: "HS256", kid: "rsa-1" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    const response = await publish(running.url, "jobs", forged);
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe("unsupported_algorithm");
  });

  test("a token from an unknown key is refused; after rotation the new kid is fetched and accepted", async () => {
    const rotated = await makeKey("ES256", "ec-2");
    const token = await signWith("ec-2", "ES256");
    // Not published yet: the refetch finds nothing, so the token is refused.
    const early = await publish(running.url, "jobs", token);
    expect(early.status).toBe(401);
    expect(await errorCode(early)).toBe("invalid_credentials");
    published = [...published, rotated];
    let status = 0;
    for (let i = 0; i < 100 && status !== 201; i++) {
      status = (await publish(running.url, "jobs", token)).status;
      if (status !== 201) await Bun.sleep(100);
    }
    expect(status).toBe(201);
  });
});

describe("HS256 configured: an RS256 token is refused", () => {
  test("the algorithm allowlist follows the key source", async () => {
    const running = await startApp({
      MILLRACE_AUTH: "jwt",
      MILLRACE_JWT_SECRET: SECRET,
      MILLRACE_JWT_ISSUER: ISSUER,
      MILLRACE_JWT_AUDIENCE: AUDIENCE,
    });
    try {
      const { privateKey } = await generateKeyPair("RS256");
      const token = await new SignJWT({ scope: "publish" })
        .setProtectedHeader({ alg: "RS256" })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime("5m")
        .sign(privateKey);
      const response = await publish(running.url, "jobs", token);
      expect(response.status).toBe(401);
      expect(await errorCode(response)).toBe("unsupported_algorithm");
    } finally {
      await running.stop();
    }
  });
});

describe("an unreachable JWKS", () => {
  test("answers 503 auth_unavailable, not a 5xx crash or a misleading 401", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const port = closed.port;
    await closed.stop(true);
    const running = await startApp({
      MILLRACE_AUTH: "jwt",
      MILLRACE_JWKS_URLS: `http://127.0.0.1:${port}/jwks.json`,
      MILLRACE_JWT_ISSUER: ISSUER,
      MILLRACE_JWT_AUDIENCE: AUDIENCE,
    });
    try {
      const { privateKey } = await generateKeyPair("ES256");
      const token = await new SignJWT({ scope: "publish" })
        .setProtectedHeader({ alg: "ES256", kid: "k" })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime("5m")
        .sign(privateKey);
      const response = await publish(running.url, "jobs", token);
      expect(response.status).toBe(503);
      expect(await errorCode(response)).toBe("auth_unavailable");
    } finally {
      await running.stop();
    }
  });
});
