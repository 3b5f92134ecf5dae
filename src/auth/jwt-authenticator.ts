import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from "jose";
import { AuthError, invalidCredentials, malformedCredentials } from "./auth-error.ts";
import type { Authenticator } from "./authenticator.ts";
import { isScope, QueuePatterns, type Principal, type Scope } from "./principal.ts";

export interface JwtOptions {
  secret: string | null;
  jwksUrls: string[];
  issuer: string;
  audience: string;
  scopesClaim: string;
  queuesClaim: string;
  clockSkewSeconds: number;
}

/** Asymmetric algorithms accepted from JWKS keys; HS256 only with the shared secret, never both. */
const JWKS_ALGORITHMS = ["RS256", "ES256", "EdDSA"];
/** After a JWKS fetch, an unknown kid triggers another fetch only after this; stops kid-spraying. */
const JWKS_COOLDOWN_MS = 1000;
/** Verified tokens are remembered until they expire, so the hot path skips the signature check. */
const CACHE_LIMIT = 10_000;

/**
 * Bearer JWTs, verified with jose: HS256 against a shared secret, or RS256/ES256/EdDSA against
 * keys from JWKS URLs (fetched lazily, cached, refetched when a token names an unknown kid).
 * The algorithm allowlist is fixed by the key source, which defeats `alg=none` and HS/RS swaps.
 */
export class JwtAuthenticator implements Authenticator {
  readonly kind = "jwt" as const;
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly verifyOptions: JWTVerifyOptions;
  private readonly cache = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(
    private readonly options: JwtOptions,
    private readonly clock: () => number = Date.now,
  ) {
    if (options.secret !== null) {
      this.key = new TextEncoder().encode(options.secret);
    } else {
      const sets = options.jwksUrls.map((url) =>
        createRemoteJWKSet(new URL(url), { cooldownDuration: JWKS_COOLDOWN_MS }),
      );
      this.key = async (header, token) => {
        let lastError: unknown = new errors.JWKSNoMatchingKey();
        for (const set of sets) {
          try {
            return await set(header, token);
          } catch (error) {
            // Try the next URL only when this one simply lacks the key.
            if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
            lastError = error;
          }
        }
        throw lastError;
      };
    }
    this.verifyOptions = {
      algorithms: options.secret !== null ? ["HS256"] : JWKS_ALGORITHMS,
      issuer: options.issuer,
      audience: options.audience,
      clockTolerance: options.clockSkewSeconds,
      requiredClaims: ["exp"],
    };
  }

  async authenticate(token: string): Promise<Principal> {
    const cached = this.cache.get(token);
    if (cached && cached.expiresAt > this.clock()) return cached.principal;
    if (!/^[\w-]+\.[\w-]*\.[\w-]*$/.test(token)) {
      throw malformedCredentials("a JWT is three base64url parts separated by dots");
    }
    let payload: JWTPayload;
    try {
      payload = (
        typeof this.key === "function"
          ? await jwtVerify(token, this.key, this.verifyOptions)
          : await jwtVerify(token, this.key, this.verifyOptions)
      ).payload;
    } catch (error) {
      throw toAuthError(error);
    }
    const principal = this.principalOf(payload);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(token, {
      principal,
      expiresAt: (payload.exp ?? 0) * 1000 + this.options.clockSkewSeconds * 1000,
    });
    return principal;
  }

  async reload(): Promise<boolean> {
    // JWKS keys refresh themselves; drop remembered tokens so a rotated secret takes effect.
    this.cache.clear();
    return true;
  }

  close(): void {
    this.cache.clear();
  }

  private principalOf(payload: JWTPayload): Principal {
    const rawScopes = payload[this.options.scopesClaim];
    const scopeList =
      typeof rawScopes === "string" ? rawScopes.split(/\s+/) : Array.isArray(rawScopes) ? rawScopes : [];
    const scopes = new Set<Scope>(scopeList.filter((s): s is Scope => typeof s === "string" && isScope(s)));
    const rawQueues = payload[this.options.queuesClaim];
    let queues = QueuePatterns.ANY;
    if (rawQueues !== undefined) {
      const list = typeof rawQueues === "string" ? rawQueues.split(/[\s,]+/).filter(Boolean) : rawQueues;
      try {
        if (!Array.isArray(list) || !list.every((q) => typeof q === "string")) throw new Error("not a list");
        queues = QueuePatterns.parse(list);
      } catch {
        throw invalidCredentials(`the token's ${this.options.queuesClaim} claim must be a list of queue patterns`);
      }
    }
    return { id: `jwt:${payload.sub ?? "unknown"}`, scopes, queues };
  }
}

function toAuthError(error: unknown): AuthError {
  if (error instanceof errors.JWTExpired)
    return new AuthError(401, "token_expired", "the token has expired; get a new one");
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "nbf":
        return new AuthError(
          401,
          "token_not_yet_valid",
          "the token is not valid yet (nbf is in the future); check clocks",
        );
      case "iss":
        return new AuthError(
          401,
          "invalid_issuer",
          "the token's iss is not the issuer this broker trusts (MILLRACE_JWT_ISSUER)",
        );
      case "aud":
        return new AuthError(
          401,
          "invalid_audience",
          "the token's aud does not include this broker's audience (MILLRACE_JWT_AUDIENCE)",
        );
      default:
        return invalidCredentials(`the token's ${error.claim} claim is invalid or missing`);
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new AuthError(401, "unsupported_algorithm", "the token's alg is not accepted by this broker");
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return invalidCredentials("no key from the configured JWKS matches the token's kid");
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || error instanceof TypeError) {
    return new AuthError(503, "auth_unavailable", "the JWKS endpoint could not be read; retry shortly");
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return invalidCredentials("the token's signature does not verify");
  }
  if (error instanceof errors.JOSEError) return malformedCredentials(`the token could not be decoded (${error.code})`);
  return new AuthError(503, "auth_unavailable", "the token could not be verified right now; retry shortly");
}
