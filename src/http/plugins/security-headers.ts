/** The API answers only JSON and text: nothing may load, frame or run. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The docs UI (Scalar, from jsDelivr) needs its script, styles and fonts, and fetches the
 * OpenAPI document from this origin; it still may not be framed.
 */
const DOCS_CSP = [
  "default-src 'none'",
  "script-src https://cdn.jsdelivr.net",
  "style-src 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
  "font-src https://fonts.gstatic.com https://cdn.jsdelivr.net data:",
  "img-src 'self' data: https:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/** Sets the security headers on every response (DESIGN §5). */
export function applySecurityHeaders(headers: Headers, route: string): void {
  headers.set("content-security-policy", route === "/docs" ? DOCS_CSP : API_CSP);
  headers.set("x-content-type-options", "nosniff");
  headers.set("x-frame-options", "DENY");
  headers.set("referrer-policy", "no-referrer");
}
