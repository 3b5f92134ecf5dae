import { expect, test } from "bun:test";
import { tmpdir } from "node:os";
import { diskFullError, hasHeadroom, isDiskFullError } from "./disk-full.ts";

function sqliteError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

test("SQLITE_FULL and ENOSPC are a full disk; other database errors are not", () => {
  expect(isDiskFullError(sqliteError("SQLITE_FULL", "database or disk is full"), tmpdir())).toBe(true);
  expect(isDiskFullError(new Error("write failed: ENOSPC: no space left on device"), tmpdir())).toBe(true);
  expect(isDiskFullError(sqliteError("SQLITE_ERROR", "no such table: x"), tmpdir())).toBe(false);
  expect(isDiskFullError(sqliteError("SQLITE_CONSTRAINT_UNIQUE", "UNIQUE constraint failed"), tmpdir())).toBe(false);
});

test("an I/O error counts as a full disk only when the file system is nearly full", () => {
  // The temp directory has room, so a write error there is a failing disk, not a full one.
  expect(hasHeadroom(tmpdir())).toBe(true);
  expect(isDiskFullError(sqliteError("SQLITE_IOERR_WRITE", "disk I/O error"), tmpdir())).toBe(false);
  expect(isDiskFullError(sqliteError("SQLITE_IOERR_WRITE", "disk I/O error"), "/nonexistent/dir")).toBe(false);
});

test("the client's answer is a 507 with Retry-After that tells what to do", () => {
  const error = diskFullError();
  expect(error.status).toBe(507);
  expect(error.code).toBe("disk_full");
  expect(error.retryAfterSeconds).toBe(5);
  expect(error.message).toMatch(/data directory .* is full/);
  expect(error.message).toMatch(/free space/);
});
