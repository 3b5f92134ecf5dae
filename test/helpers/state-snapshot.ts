import { Database } from "bun:sqlite";

// The whole stored state of a running server, read from its SQLite file over a read-only
// connection: every row of every table (queues and settings, messages with their leases and
// dead letters, dedup keys, topics, subscriptions, and any table added later). Two snapshots
// are equal exactly when nothing was written in between.

export type Snapshot = Map<string, string[]>;

export class StateReader {
  private readonly db: Database;

  constructor(path: string) {
    this.db = new Database(path, { readonly: true });
  }

  snapshot(): Snapshot {
    const tables = this.db
      .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((row) => row.name);
    const snapshot: Snapshot = new Map();
    this.db.transaction(() => {
      for (const table of tables) {
        // Table names come from sqlite_master, not from input; identifiers cannot be bound as parameters.
        const rows = this.db.query<Record<string, unknown>, []>(`SELECT * FROM "${table.replaceAll('"', '""')}"`).all();
        snapshot.set(table, rows.map((row) => JSON.stringify(row, bytesAsHex)).sort());
      }
    })();
    return snapshot;
  }

  close(): void {
    this.db.close();
  }
}

function bytesAsHex(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString("hex") : value;
}

/** What changed between two snapshots, in a few lines; null when nothing did. */
export function describeChange(before: Snapshot, after: Snapshot): string | null {
  const lines: string[] = [];
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(table) ?? [];
    const now = after.get(table) ?? [];
    if (was.length === now.length && was.every((row, i) => row === now[i])) continue;
    const wasSet = new Set(was);
    const nowSet = new Set(now);
    const gone = was.filter((row) => !nowSet.has(row));
    const added = now.filter((row) => !wasSet.has(row));
    if (gone.length === 0 && added.length === 0) continue;
    lines.push(`table ${table}: ${was.length} -> ${now.length} rows`);
    for (const row of gone.slice(0, 2)) lines.push(`  - ${row.slice(0, 300)}`);
    for (const row of added.slice(0, 2)) lines.push(`  + ${row.slice(0, 300)}`);
  }
  return lines.length === 0 ? null : lines.join("\n");
}
