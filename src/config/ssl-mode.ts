/** The `sslmode` values Millrace accepts in MILLRACE_DATABASE_URL. */
export const SSL_MODES = ["disable", "require", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

// `prefer` and `allow` fall back to plain text when the server offers no TLS, so a URL that looks
// encrypted may not be; `verify-ca` checks the CA but not the host name. Both are refused rather
// than half-supported: `require` or `verify-full` say exactly what is checked.
const REFUSED: Record<string, string> = {
  prefer: "falls back to an unencrypted connection when the server offers no TLS; use sslmode=require (or disable)",
  allow: "falls back to an unencrypted connection when the server offers no TLS; use sslmode=require (or disable)",
  "verify-ca": "does not check the server's host name; use sslmode=verify-full",
};

/** The URL's sslmode (disable when absent); throws a message naming the fix for any other value. */
export function sslModeOf(url: string): SslMode {
  let mode: string | null;
  try {
    mode = new URL(url).searchParams.get("sslmode");
  } catch {
    throw new Error("is not a valid URL; use postgres://user:password@host:5432/database");
  }
  if (mode === null) return "disable";
  if ((SSL_MODES as readonly string[]).includes(mode)) return mode as SslMode;
  const why = REFUSED[mode] ?? `is not a known mode; use one of ${SSL_MODES.join(", ")}`;
  throw new Error(`has sslmode=${mode}, which ${why}`);
}

export function checkSslMode(url: string): void {
  sslModeOf(url);
  // One way to name the CA: the setting, which start checks can read and the README documents.
  if (new URL(url).searchParams.has("sslrootcert")) {
    throw new Error("has sslrootcert=…; remove it and set MILLRACE_DATABASE_CA_FILE to the CA file instead");
  }
}
