import { dlopen, FFIType, read, type Pointer } from "bun:ffi";
import { closeSync, constants, fchownSync, ftruncateSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";

export const LOCK_FILE_NAME = "millrace.lock";

const LOCK_EX = 2;
const LOCK_NB = 4;
/** EWOULDBLOCK (= EAGAIN): someone else holds the lock. */
const EWOULDBLOCK = process.platform === "darwin" ? 35 : 11;

/** Another process holds the data directory. `holderPid` is what it wrote into the lock file. */
export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
  constructor(
    readonly dataDir: string,
    readonly lockFile: string,
    readonly holderPid: number | null,
  ) {
    const holder =
      holderPid === null ? "another Millrace process" : `another Millrace process (pid ${holderPid}, per ${lockFile})`;
    super(
      `the data directory ${dataDir} is in use by ${holder}; two servers on one database would serve ` +
        `diverging queues. Stop that process first (sudo systemctl stop millrace, or kill ${holderPid ?? "<pid>"}), ` +
        "or give this one another MILLRACE_DATA_DIR",
    );
  }
}

export interface DataDirLock {
  readonly lockFile: string;
  /** Unlocks (closing the descriptor); idempotent. */
  release(): void;
}

type Libc = { flock: (fd: number, operation: number) => number; errno: () => number };
let libc: Libc | null = null;

/** libc's flock, loaded on first use (no I/O at import time). */
function loadLibc(): Libc {
  if (libc) return libc;
  const names = process.platform === "darwin" ? ["libc.dylib"] : ["libc.so.6", "libc.so"];
  const errnoSymbol = process.platform === "darwin" ? "__error" : "__errno_location";
  let lastError: unknown = null;
  for (const name of names) {
    try {
      const { symbols } = dlopen(name, {
        flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
        [errnoSymbol]: { args: [], returns: FFIType.ptr },
      });
      const errnoLocation = symbols[errnoSymbol] as unknown as () => Pointer | null;
      libc = {
        flock: (fd, operation) => symbols.flock(fd, operation),
        errno: () => {
          const location = errnoLocation();
          return location === null ? 0 : read.i32(location, 0);
        },
      };
      return libc;
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`cannot load the C library to lock the data directory: ${String(lastError)}`);
}

/**
 * Takes an exclusive lock on `<dataDir>/millrace.lock` without waiting, and writes our pid into
 * it. flock(2) locks belong to the open file: the kernel drops them when the process exits in
 * any way, kill -9 included, so a crashed server never leaves a stale lock behind. The file
 * itself stays; its content only names the holder. Throws DataDirLockedError when another
 * process holds it.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const lockFile = join(dataDir, LOCK_FILE_NAME);
  const { flock, errno } = loadLibc();
  const { fd, writable } = openLockFile(dataDir, lockFile);
  if (flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    const code = errno();
    closeSync(fd);
    if (code === EWOULDBLOCK) throw new DataDirLockedError(dataDir, lockFile, readHolderPid(lockFile));
    throw new Error(`cannot lock ${lockFile} (errno ${code}); is the data directory on a local file system?`);
  }
  if (writable) {
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`, 0);
  }
  let held = true;
  return {
    lockFile,
    release() {
      if (!held) return;
      held = false;
      // Emptied before the unlock, so the file never names a process that no longer holds it.
      if (writable) ftruncateSync(fd, 0);
      closeSync(fd);
    },
  };
}

/**
 * Opens (creating) the lock file. Bun opens with O_CLOEXEC, so no child process inherits (and
 * keeps) the lock. Created by root (restore run with sudo), it is handed to the directory's owner
 * so the service user can still open it; a lock file we may only read still locks (flock needs
 * no write access), it just cannot name us.
 */
function openLockFile(dataDir: string, lockFile: string): { fd: number; writable: boolean } {
  try {
    const fd = openSync(lockFile, constants.O_RDWR | constants.O_CREAT, 0o640);
    if (process.getuid?.() === 0) {
      const owner = statSync(dataDir);
      fchownSync(fd, owner.uid, owner.gid);
    }
    return { fd, writable: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EACCES") throw error;
    return { fd: openSync(lockFile, constants.O_RDONLY), writable: false };
  }
}

function readHolderPid(lockFile: string): number | null {
  try {
    const pid = Number(readFileSync(lockFile, "utf8").trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
