/** Incoming ids are reused only when they look like ids, so logs cannot be injected through them. */
const ACCEPTABLE = /^[A-Za-z0-9._:@\/+=-]{1,128}$/;

/** The request id: the caller's X-Request-Id (nginx's $request_id) when sane, else a new UUID. */
export function requestIdOf(headers: Headers): string {
  const incoming = headers.get("x-request-id");
  return incoming !== null && ACCEPTABLE.test(incoming) ? incoming : crypto.randomUUID();
}

/** Total bytes of header names and values, the measure MILLRACE_MAX_HEADER_BYTES limits. */
export function headerBytes(headers: Headers): number {
  let total = 0;
  // forEach, not for-of: the iterator allocates an entry array per header (about half the cost).
  headers.forEach((value, name) => {
    total += name.length + value.length + 4;
  });
  return total;
}
