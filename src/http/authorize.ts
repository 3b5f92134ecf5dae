import { AuthError, missingCredentials, malformedCredentials } from "../auth/auth-error.ts";
import type { Authenticator } from "../auth/authenticator.ts";
import type { Principal, Scope } from "../auth/principal.ts";

/** The access rule of a matched route, with the resource named by its matched parameters. */
export interface RequiredAccess {
  route: string;
  scopes: readonly Scope[];
  /** The queue or topic the principal's patterns must allow; null for collection routes. */
  resource: string | null;
}

/**
 * Authenticates the bearer credential and checks the route's scope and the queue (or topic)
 * name against the principal's patterns. Throws AuthError: 401 for who-are-you, 403 for not-allowed.
 */
export async function authorize(
  authenticator: Authenticator,
  access: RequiredAccess,
  authorization: string | null,
): Promise<Principal> {
  if (authorization === null || authorization.trim() === "") throw missingCredentials();
  const space = authorization.indexOf(" ");
  if (space < 0 || authorization.slice(0, space).toLowerCase() !== "bearer") {
    throw malformedCredentials("use the Bearer scheme: Authorization: Bearer <token>");
  }
  const credential = authorization.slice(space + 1).trim();
  if (credential === "") throw malformedCredentials("the Bearer credential is empty");
  const principal = await authenticator.authenticate(credential);
  if (!access.scopes.some((scope) => principal.scopes.has(scope))) {
    throw new AuthError(
      403,
      "insufficient_scope",
      `${access.route} needs the ${access.scopes.join(" or ")} scope; these credentials have ${
        [...principal.scopes].join(", ") || "none"
      }`,
    );
  }
  if (access.resource !== null) requireAllowed(principal, access.resource);
  return principal;
}

/** For names a route meets beyond its path (a subscription's queue): refuses what the patterns do not allow. */
export function requireAllowed(principal: Principal | null, name: string): void {
  if (principal !== null && !principal.queues.allows(name)) throw nameNotAllowed(principal, name);
}

function nameNotAllowed(principal: Principal, name: string): AuthError {
  return new AuthError(
    403,
    "queue_not_allowed",
    `these credentials may not use "${name}"; they allow ${principal.queues.patterns.join(", ")}`,
  );
}
