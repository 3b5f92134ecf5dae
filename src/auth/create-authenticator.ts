import type { Config } from "../config/schema.ts";
import type { Logger } from "../observability/logger.ts";
import { ApiKeyAuthenticator } from "./api-key-authenticator.ts";
import type { Authenticator } from "./authenticator.ts";
import { JwtAuthenticator } from "./jwt-authenticator.ts";

/** The authenticator MILLRACE_AUTH selects, or null for none (loopback only; config enforces that). */
export async function createAuthenticator(config: Config, logger: Logger): Promise<Authenticator | null> {
  switch (config.auth) {
    case "none":
      return null;
    case "api-key": {
      const keys = await ApiKeyAuthenticator.open(config.apiKeysFile!, logger);
      keys.watch();
      return keys;
    }
    case "jwt":
      return new JwtAuthenticator({
        secret: config.jwtSecret,
        jwksUrls: config.jwksUrls,
        issuer: config.jwtIssuer!,
        audience: config.jwtAudience!,
        scopesClaim: config.jwtScopesClaim,
        queuesClaim: config.jwtQueuesClaim,
        clockSkewSeconds: config.jwtClockSkewSeconds,
      });
  }
}
