import { statfsSync } from "node:fs";
import { BrokerError } from "../../domain/errors.ts";

/** Seconds a client is asked to wait before retrying a write refused for lack of space. */
export const DISK_FULL_RETRY_SECONDS = 5;

/**
 * Below this much free space an ambiguous I/O error is taken for a full disk: SQLite reports
 * ENOSPC as SQLITE_FULL from most writes, but as SQLITE_IOERR_WRITE/FSYNC/SHMSIZE/TRUNCATE from
 * some (the WAL index, fsync on some file systems), where the code alone cannot tell a full disk
 * from a failing one.
 */
const NEARLY_FULL_BYTES = 1024 * 1024;

/** I/O error codes that a full file system also produces. */
const SPACE_SENSITIVE_IOERR = new Set([
  "SQLITE_IOERR",
  "SQLITE_IOERR_WRITE",
  "SQLITE_IOERR_FSYNC",
  "SQLITE_IOERR_SHMSIZE",
  "SQLITE_IOERR_TRUNCATE",
  "SQLITE_IOERR_DIR_FSYNC",
]);

function sqliteCode(error: unknown): string | null {
  if (typeof error !== "object" || error === null || !("code" in error)) return null;
  const code = error.code;
  return typeof code === "string" ? code : null;
}

function freeBytes(directory: string): number | null {
  try {
    const stats = statfsSync(directory);
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}

/**
 * Whether a disk-full episode may end: a small write can fit in the last free blocks (or in WAL
 * space being reused) while ordinary messages still do not, so a write that commits is not
 * enough; the file system must also have some room again (8 MiB, or 5% of a small one).
 */
export function hasHeadroom(directory: string): boolean {
  try {
    const stats = statfsSync(directory);
    const needed = Math.min(8 * 1024 * 1024, (stats.blocks * stats.bsize) / 20);
    return stats.bavail * stats.bsize >= needed;
  } catch {
    return true;
  }
}

/** True when `error` from SQLite means the data directory has no space left. */
export function isDiskFullError(error: unknown, dataDirectory: string): boolean {
  const code = sqliteCode(error);
  if (code === "SQLITE_FULL") return true;
  const message = error instanceof Error ? error.message : "";
  if (/ENOSPC|no space left/i.test(message)) return true;
  if (code === null || !SPACE_SENSITIVE_IOERR.has(code)) return false;
  const free = freeBytes(dataDirectory);
  return free !== null && free < NEARLY_FULL_BYTES;
}

/** The client's answer while the disk is full: not a server bug, so no 500; retry later. */
export function diskFullError(): BrokerError {
  return new BrokerError(
    "disk_full",
    507,
    "the broker's data directory (MILLRACE_DATA_DIR) is full, so nothing can be written; " +
      "the operator must free space there or grow the volume. Messages already accepted are safe. " +
      `Retry after ${DISK_FULL_RETRY_SECONDS} s; writes resume by themselves once space returns`,
    undefined,
    DISK_FULL_RETRY_SECONDS,
  );
}
