/**
 * Whether a message's headers pass a subscription's filter: every listed header must be present
 * with one of its listed values; no filter passes everything. Shared by every storage driver.
 */
export function matchesFilter(filter: Record<string, string[]> | null, headers: Record<string, string>): boolean {
  if (filter === null) return true;
  return Object.entries(filter).every(([header, allowed]) => {
    const value = headers[header];
    return value !== undefined && allowed.includes(value);
  });
}
