/** Time-ordered message ids (UUIDv7); Bun's generator is monotonic within a process. */
export function newMessageId(): string {
  return Bun.randomUUIDv7();
}
