import { join } from "node:path";

/** The database file's name inside the data directory; backups, restore and copy name it too. */
export const SQLITE_FILE_NAME = "millrace.db";

export function sqliteFileIn(dataDir: string): string {
  return join(dataDir, SQLITE_FILE_NAME);
}
