/** The API answers only JSON and text: nothing may load, frame or run. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The docs UI and the admin console load scripts and styles from this origin only (both are
 * served from the binary) and talk to the API on it. Inline styles stay allowed for the docs UI
 * alone: Swagger UI writes style attributes into its markup; the console needs none.
 */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");
const DOCS_CSP = PAGE_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

const CSP_BY_ROUTE: Record<string, string> = {
  "/docs": DOCS_CSP,
  "/docs/assets/:file": DOCS_CSP,
  "/ui": PAGE_CSP,
  "/ui/assets/:file": PAGE_CSP,
};

/** Sets the security headers on every response (DESIGN §5). */
export function applySecurityHeaders(headers: Headers, route: string): void {
  headers.set("content-security-policy", CSP_BY_ROUTE[route] ?? API_CSP);
  headers.set("x-content-type-options", "nosniff");
  headers.set("x-frame-options", "DENY");
  headers.set("referrer-policy", "no-referrer");
}
