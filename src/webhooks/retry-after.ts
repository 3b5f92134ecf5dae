/**
 * Milliseconds to wait from a `Retry-After` value: delay-seconds, or an HTTP date (IMF-fixdate, or the
 * obsolete RFC 850 and asctime forms recipients must still accept; a past date means now). Null if
 * absent or malformed, so the queue's backoff applies.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const ms = Number(text) * 1000;
    return Number.isSafeInteger(ms) ? ms : null;
  }
  if (!/^[A-Za-z]{3}/.test(text)) return null; // every HTTP date form starts with the weekday
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
