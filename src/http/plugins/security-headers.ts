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

/** Adds the security headers every response carries (DESIGN §5) to a response's headers still to be made. */
export function addSecurityHeaders(headers: Record<string, string>, route: string): Record<string, string> {
  headers["content-security-policy"] = CSP_BY_ROUTE[route] ?? API_CSP;
  headers["x-content-type-options"] = "nosniff";
  headers["x-frame-options"] = "DENY";
  headers["referrer-policy"] = "no-referrer";
  return headers;
}
