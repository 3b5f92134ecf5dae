/**
 * The check a paging cursor carries: FNV-1a of its text, as four base-36 characters. It catches
 * typos and made-up cursors, not forgery (a cursor grants nothing).
 */
export function cursorCheck(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % 36 ** 4).toString(36).padStart(4, "0");
}
