export const SCOPES = ["publish", "consume", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Who a request acts as, once authenticated: an API key or a JWT subject. */
export interface Principal {
  /** Non-secret identifier: the key id, or the token's `sub`. Used for rate limits and logs. */
  readonly id: string;
  readonly scopes: ReadonlySet<Scope>;
  readonly queues: QueuePatterns;
}

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
