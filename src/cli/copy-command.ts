import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { MessageState } from "../domain/message.ts";
import type { CopyMessageRow } from "../storage/copy-rows.ts";
import { DataDirLockedError, lockDataDir, type DataDirLock } from "../storage/data-dir-lock.ts";
import { DuplicateMessageIdError, PgBulkWriter } from "../storage/postgres/bulk-writer.ts";
import { databaseInUse } from "../storage/sqlite/backup.ts";
import { CopySourceError, SqliteCopyReader } from "../storage/sqlite/copy-reader.ts";
import { EXIT, UnavailableError, UsageError } from "./args.ts";
import type { Command, CommandContext } from "./command.ts";
import { describeTlsFailure } from "../storage/postgres/tls.ts";
import { CopyProgress } from "./copy-progress.ts";
import { configFor } from "./load-config.ts";

const DEFAULT_BATCH = 2000;
/** Bodies and headers per batch, whatever --batch-size says: large bodies make smaller batches. */
const BATCH_BYTES = 32 * 1024 * 1024;
const NON_EMPTY_FLAG = "--into-non-empty";
/** A target that does not answer within this is reported as unavailable (exit 69). */
const CONNECT_TIMEOUT_SECONDS = 10;

export const copyCommand: Command = {
  name: "copy",
  summary: "copy a stopped SQLite broker's data into PostgreSQL (moving from one VM to a fleet)",
  help: `usage: millrace copy --from <sqlite file> [--to <postgres url>] [--database-ca-file FILE] [${NON_EMPTY_FLAG}] [--batch-size N]

Copies everything a SQLite broker holds into a PostgreSQL database: queues with their settings,
topics, subscriptions with their filters, dedup keys still in force, and every message in every
state (ready, delayed, leased, queued behind its ordering group, dead) with its id, attempts,
lease generation, priority, group, times, last error, body and headers. Afterwards the fleet
serves them as the VM did: a copied dedup id still suppresses a re-publish, a grouped message
still waits for its group.

The source must not be served: copy takes the data directory's lock (the directory of --from)
and exits ${EXIT.tempfail} while a server holds it. It never changes the database.

  --from FILE        the SQLite database, e.g. /var/lib/millrace/millrace.db
  --to URL           postgres://user:password@host:5432/db; default MILLRACE_DATABASE_URL (or its
                     _FILE or systemd credential), which keeps the password off the command line
  --database-ca-file FILE
                     the CA of the target's TLS certificate, for a URL with sslmode=verify-full;
                     default MILLRACE_DATABASE_CA_FILE, as for the server
  ${NON_EMPTY_FLAG}   copy into a database that already holds data. Queues, topics and
                     subscriptions it has are kept as they are; a message id it has makes the copy
                     fail before any message is written (ids are never duplicated). Stop the
                     target's instances meanwhile: copy takes none of the locks a publish takes
  --batch-size N     messages per read and per write transaction (default ${DEFAULT_BATCH}); a
                     batch also ends at ${BATCH_BYTES / 1024 / 1024} MiB of bodies, so memory stays bounded

The target's migrations are applied first. Without ${NON_EMPTY_FLAG} a target holding any queue,
topic or message is refused and left untouched.

Leased messages stay leased (a cleanly stopped server has given its own back already, so these
are leases of a server that died), with their expiry, generation and lease token: a consumer that
received one from the VM can still ack it on the fleet (into an empty target sequence numbers are
kept, so its receipt stays valid), and if it never does, the lease expires on the fleet as it
would have on the VM and the message is delivered again, the attempt counted. Releasing them
instead would deliver them twice while their first consumer may still be working.

Progress goes to stderr; the summary to stdout. Exit codes: 0 done, 1 refused or failed (the
message says why), 64 usage, 69 the target does not answer or the source is open in another
process, 75 a server holds the source's data directory.`,
  async run(context) {
    const { flags } = context.args;
    if (!flags["--from"] || flags["--from"] === "true") throw new UsageError("missing --from <sqlite file>");
    const batchSize = flags["--batch-size"] === undefined ? DEFAULT_BATCH : Number(flags["--batch-size"]);
    if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
      throw new UsageError(`--batch-size "${flags["--batch-size"]}" is not a whole number from 1 to 100000`);
    }
    let target = flags["--to"];
    let caFile = flags["--database-ca-file"] ?? context.env.MILLRACE_DATABASE_CA_FILE ?? null;
    if (target === undefined) {
      const config = configFor(context);
      if (!config) return EXIT.config;
      if (config.databaseUrl === null) throw new UsageError("missing --to <postgres url> (or MILLRACE_DATABASE_URL)");
      target = config.databaseUrl;
      caFile = flags["--database-ca-file"] ?? config.databaseCaFile;
    }
    if (!/^postgres(ql)?:\/\//.test(target)) {
      throw new UsageError(`--to must be a postgres:// URL, not "${redact(target)}"`);
    }
    const source = resolve(flags["--from"]);
    if (!existsSync(source)) {
      context.err(
        `millrace copy: there is no database at ${source}; --from names the SQLite file, e.g. /var/lib/millrace/millrace.db`,
      );
      return EXIT.failure;
    }
    let lock: DataDirLock;
    try {
      lock = lockDataDir(dirname(source));
    } catch (error) {
      if (!(error instanceof DataDirLockedError)) throw error;
      context.err(`millrace copy: ${error.message}. Nothing was copied; run copy again once it has stopped.`);
      return EXIT.tempfail;
    }
    try {
      if (databaseInUse(source)) {
        context.err(
          `millrace copy: ${source} is open in another process (a running server?); nothing was copied. ` +
            "Stop it first (sudo systemctl stop millrace), then run copy again.",
        );
        return EXIT.unavailable;
      }
      return await copy(context, source, { url: target, caFile }, batchSize, flags[NON_EMPTY_FLAG] === "true");
    } catch (error) {
      if (error instanceof CopySourceError || error instanceof DuplicateMessageIdError) {
        context.err(`millrace copy: ${error.message}`);
        return EXIT.failure;
      }
      throw error;
    } finally {
      lock.release();
    }
  },
};

async function copy(
  context: CommandContext,
  source: string,
  target: { url: string; caFile: string | null },
  batchSize: number,
  intoNonEmpty: boolean,
): Promise<number> {
  const started = performance.now();
  const reader = SqliteCopyReader.open(source);
  try {
    const opened = await PgBulkWriter.open(target.url, target.caFile, CONNECT_TIMEOUT_SECONDS).catch(
      (error: unknown) => {
        const why = describeTlsFailure(error) ?? (error as Error).message;
        throw new UnavailableError(`cannot open the target ${redact(target.url)}: ${why}`);
      },
    );
    const writer = opened.writer;
    let partial = false;
    try {
      if (opened.migrations.length > 0) context.err(`applied target migration(s): ${opened.migrations.join(", ")}`);
      const held = await writer.contents();
      const nonEmpty = Object.values(held).some((n) => n > 0);
      if (nonEmpty && !intoNonEmpty) {
        context.err(
          `millrace copy: the target ${redact(target.url)} is not empty (${held.queues} queues, ${held.topics} topics, ` +
            `${held.messages} messages); nothing was copied. Copy into a fresh database, or pass ${NON_EMPTY_FLAG} to merge into it.`,
        );
        return EXIT.failure;
      }
      if (held.messages > 0) {
        // Before anything is written, so a clash leaves the target as it was.
        for (const ids of reader.messageIds(batchSize)) {
          const taken = await writer.existingIds(ids);
          if (taken.length > 0) throw new DuplicateMessageIdError(taken);
        }
      }
      // From here on a failure leaves part of the copy in the target; say so, and how to start over.
      partial = true;
      const queues = await writer.writeQueues(reader.queues());
      const topics = await writer.writeTopics(reader.topics());
      const subscriptions = await writer.writeSubscriptions(reader.subscriptions());
      const seqOffset = await writer.reserveSequence(reader.highestSeq());

      const now = Date.now();
      const states = { ready: 0, delayed: 0, leased: 0, grouped: 0, dead: 0 };
      const total = reader.countMessages();
      const progress = new CopyProgress(total, {
        tty: process.stderr.isTTY === true,
        write: (text) => process.stderr.write(text),
      });
      for (const batch of reader.messages(batchSize, BATCH_BYTES)) {
        await writer.writeMessages(batch, seqOffset);
        tally(states, batch, now);
        progress.advance(batch.length);
      }
      progress.finish();
      let dedupKeys = 0;
      for (const batch of reader.dedupKeys(now, batchSize)) {
        await writer.writeDedupKeys(batch);
        dedupKeys += batch.length;
      }
      await writer.recountLiveMessages();

      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const kept = (n: number) => (n > 0 ? ` (${n} already there, kept)` : "");
      context.out(
        `copied ${queues.inserted} queues${kept(queues.kept)}, ${topics.inserted} topics${kept(topics.kept)}, ` +
          `${subscriptions.inserted} subscriptions${kept(subscriptions.kept)}, ${dedupKeys} dedup keys and ${total} messages ` +
          `(${states.ready} ready, ${states.delayed} delayed, ${states.leased} leased, ${states.grouped} grouped, ${states.dead} dead) ` +
          `from ${source} to ${redact(target.url)} in ${seconds} s`,
      );
      if (writer.replacedNul > 0) {
        context.err(
          `note: ${writer.replacedNul} value(s) (group ids, dedup ids or errors) held the character U+0000, which PostgreSQL ` +
            "cannot store; it was copied as U+FFFD everywhere, so groups and dedup keys still match their messages",
        );
      }
      if (seqOffset > 0) {
        context.out(
          `sequence numbers were moved up by ${seqOffset} past the target's own; receipts of leases taken on the VM no longer match, so those messages are delivered again when their lease expires`,
        );
      }
      context.out(
        "point the instances at the target (MILLRACE_DATABASE_URL) and start them; keep the SQLite file until the fleet looks right",
      );
      return EXIT.ok;
    } catch (error) {
      if (!partial) throw error;
      context.err(
        `millrace copy: failed part-way: ${(error as Error).message}. The target may now hold part of the copy; ` +
          "fix the cause, then drop and recreate the target database and run copy again (the source is unchanged)",
      );
      return EXIT.failure;
    } finally {
      await writer.close();
    }
  } finally {
    reader.close();
  }
}

function tally(
  states: Record<"ready" | "delayed" | "leased" | "grouped" | "dead", number>,
  batch: CopyMessageRow[],
  now: number,
) {
  for (const row of batch) {
    if (row.state === MessageState.leased) states.leased += 1;
    else if (row.state === MessageState.dead) states.dead += 1;
    else if (row.state === MessageState.queuedInGroup) states.grouped += 1;
    else if (row.available_at > now) states.delayed += 1;
    else states.ready += 1;
  }
}

/** The URL without its password, for messages and logs. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unparsable URL)";
  }
}
