import { readFileSync } from "node:fs";

/** The `tls` option of Bun's SQL client: the CA to verify the server against, when one is set. */
export type ClientTls = { tls: { ca: string; rejectUnauthorized: true } } | Record<string, never>;

/**
 * `sslmode` itself travels in the URL, which Bun's client reads (disable, require, verify-full);
 * the CA file is read here, at open, so a changed file takes effect at the next start.
 */
export function clientTls(caFile: string | null | undefined): ClientTls {
  if (!caFile) return {};
  let ca: string;
  try {
    ca = readFileSync(caFile, "utf8");
  } catch (error) {
    throw new Error(
      `cannot read MILLRACE_DATABASE_CA_FILE ${caFile} (${(error as Error).message}); check the path and its permissions`,
    );
  }
  return { tls: { ca, rejectUnauthorized: true } };
}

// The certificate checks that fail when the server's certificate was not signed by the CA we trust
// (codes as OpenSSL and Node name them; Bun reports them in `code`).
const UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_SIGNATURE_FAILURE",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
]);

/** True for a failed TLS negotiation or certificate check. */
export function isTlsFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (UNTRUSTED.has(code) || code.includes("TLS") || code.includes("CERT"));
}

/** What went wrong with TLS to the database and what to change, or null for any other error. */
export function describeTlsFailure(error: unknown): string | null {
  if (!isTlsFailure(error)) return null;
  const code = (error as { code: string }).code;
  const detail = `${(error as Error).message} [${code}]`;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return `the database server's TLS certificate does not name the host in MILLRACE_DATABASE_URL (${detail}); connect by a host name the certificate lists, or reissue the certificate with this host in its subjectAltName`;
  }
  if (code === "ERR_POSTGRES_TLS_NOT_AVAILABLE") {
    return `the database server does not offer TLS, and MILLRACE_DATABASE_URL's sslmode requires it (${detail}); turn on ssl in the server's postgresql.conf, or set sslmode=disable on a trusted network`;
  }
  if (UNTRUSTED.has(code)) {
    return `the database server's TLS certificate is not trusted (${detail}); set MILLRACE_DATABASE_CA_FILE to the CA that signed it (with sslmode=verify-full), or renew an expired certificate`;
  }
  return `TLS to the database server failed (${detail}); check sslmode in MILLRACE_DATABASE_URL and MILLRACE_DATABASE_CA_FILE`;
}
