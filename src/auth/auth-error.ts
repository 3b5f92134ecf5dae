/** An authentication (401) or authorization (403) refusal, answered as the usual JSON error. */
export class AuthError extends Error {
  override readonly name = "AuthError";
  constructor(
    readonly status: 401 | 403 | 503,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const HOW_TO_AUTHENTICATE = "send Authorization: Bearer <token>";

export function missingCredentials(): AuthError {
  return new AuthError(401, "missing_credentials", `this route needs credentials; ${HOW_TO_AUTHENTICATE}`);
}

export function malformedCredentials(why: string): AuthError {
  return new AuthError(401, "malformed_credentials", `the credentials are malformed: ${why}`);
}

export function invalidCredentials(why: string): AuthError {
  return new AuthError(401, "invalid_credentials", why);
}
