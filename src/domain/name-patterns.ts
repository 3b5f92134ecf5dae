/**
 * Queue-name patterns: exact names, or `*` wildcards (`orders-*`, `*.dlq`, `*`).
 * Compiled once when the key file or token is read, so a check is one regex test.
 */
export class QueuePatterns {
  private readonly regex: RegExp | null;
  readonly all: boolean;

  private constructor(readonly patterns: readonly string[]) {
    this.all = patterns.includes("*");
    const alternatives = patterns.map((p) => p.split("*").map(escapeRegex).join(".*"));
    this.regex = this.all || alternatives.length === 0 ? null : new RegExp(`^(?:${alternatives.join("|")})$`);
  }

  static readonly ANY = new QueuePatterns(["*"]);

  /** Throws naming the bad pattern; patterns use the queue-name alphabet plus `*`. */
  static parse(patterns: readonly string[]): QueuePatterns {
    for (const pattern of patterns) {
      if (!/^[A-Za-z0-9._*-]{1,128}$/.test(pattern)) {
        throw new Error(`"${pattern}" is not a queue pattern; use queue names with * wildcards, like orders-* or *`);
      }
    }
    return new QueuePatterns(patterns);
  }

  allows(name: string): boolean {
    return this.all || (this.regex !== null && this.regex.test(name));
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
}
