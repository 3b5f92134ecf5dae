import type { Principal } from "./principal.ts";

/** Turns the bearer credential of a request into a principal, or throws an AuthError. */
export interface Authenticator {
  readonly kind: "api-key" | "jwt";
  authenticate(credential: string): Principal | Promise<Principal>;
  /** Re-reads key material (SIGHUP); resolves false when it failed and the old keys stay. */
  reload(): Promise<boolean>;
  close(): void;
}
