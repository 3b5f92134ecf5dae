import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { sqliteFileIn } from "../storage/sqlite/data-file.ts";
import { ConfigError, loadConfig, type ConfigSources } from "./load.ts";
import { formatHostPort, type HostPort } from "./parsers.ts";
import type { Config } from "./schema.ts";
import { sslModeOf } from "./ssl-mode.ts";
import { unknownVariables } from "./unknown-variables.ts";

export interface StartupCheck {
  config: Config;
  /** MILLRACE_* variables nothing reads: `serve` warns, `check-config` refuses. */
  unknownVariables: string[];
}

/**
 * The one decision both `serve` and `check-config` take: the configuration loads, and nothing that
 * `serve` checks before it opens the store would refuse it. Throws a ConfigError listing every
 * problem. What only the running system can tell (a port already taken, a database that is
 * down) is not checked here.
 */
export function checkStartup(sources: ConfigSources): StartupCheck {
  const config = loadConfig(sources);
  const problems = startProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, unknownVariables: unknownVariables(sources.env) };
}

/** Settings that parse but that this build or this machine cannot start with. */
export function startProblems(config: Config): string[] {
  const problems: string[] = [];
  // With PostgreSQL the data directory is not used; a database that is down is found at start.
  if (config.databaseUrl === null) {
    const problem = dataDirProblem(config.dataDir);
    if (problem) problems.push(`MILLRACE_DATA_DIR: ${problem}`);
  }
  const caProblem = caFileProblem(config);
  if (caProblem) problems.push(`MILLRACE_DATABASE_CA_FILE: ${caProblem}`);
  return problems;
}

function caFileProblem(config: Config): string | null {
  const file = config.databaseCaFile;
  if (file === null) return null;
  if (config.databaseUrl === null)
    return "is set but MILLRACE_DATABASE_URL is not; unset it, or set the PostgreSQL URL";
  if (sslModeOf(config.databaseUrl) !== "verify-full") {
    return "is set but MILLRACE_DATABASE_URL does not have sslmode=verify-full; add ?sslmode=verify-full to the URL so the CA is used";
  }
  try {
    accessSync(file, constants.R_OK);
    if (!statSync(file).isFile()) return `${file} is not a file; give the path of the CA's PEM file`;
  } catch {
    return `cannot read ${file}; check the path and that the service user may read it`;
  }
  return null;
}

/**
 * `serve` creates the data directory and opens the SQLite file for writing; this says, without
 * creating anything, why that would fail for the current user.
 */
function dataDirProblem(dataDir: string): string | null {
  if (existsSync(dataDir)) {
    if (!statSync(dataDir).isDirectory()) return `${dataDir} exists and is not a directory; point it at a directory`;
    if (!writable(dataDir)) {
      return `${dataDir} is not writable by this user; run as the service user (sudo -u millrace) or fix its owner`;
    }
    const file = sqliteFileIn(dataDir);
    if (existsSync(file) && !writable(file)) {
      return `${file} is not writable by this user; run as the service user (sudo -u millrace) or fix its owner`;
    }
    return null;
  }
  // It will be created: the nearest existing ancestor must be a writable directory.
  let parent = dirname(dataDir);
  while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
  if (!statSync(parent).isDirectory() || !writable(parent)) {
    return `${dataDir} does not exist and cannot be created: ${parent} is not a writable directory; create it, or choose another data dir`;
  }
  return null;
}

export interface ListenCheck {
  /** Addresses serve could never bind here (not an address of this machine): refused. */
  problems: string[];
  /** Ports taken right now, most likely by the running server that is to be restarted: a note. */
  notes: string[];
}

/**
 * For check-config only: tries to bind each address serve would listen on, and lets go at once.
 * serve itself simply binds, and exits 70 when that fails.
 */
export function listenProblems(config: Config): ListenCheck {
  const result: ListenCheck = { problems: [], notes: [] };
  const listeners: Array<[string, HostPort | null]> = [
    ["MILLRACE_LISTEN", config.mode === "worker" ? null : config.listen],
    ["MILLRACE_METRICS_LISTEN", config.metrics ? config.metricsListen : null],
    ["MILLRACE_SQS_LISTEN", config.mode === "worker" ? null : config.sqsListen],
  ];
  for (const [name, address] of listeners) {
    if (!address || address.port === 0) continue;
    const code = bindError(address);
    const shown = formatHostPort(address);
    if (code === "EADDRINUSE") {
      result.notes.push(`${name}: ${shown} is in use now (by the running server?); serve starts only once it is free`);
    } else if (code === "EADDRNOTAVAIL") {
      result.problems.push(`${name}: ${shown} is not an address of this machine; use one of its addresses, or 0.0.0.0`);
    } else if (code !== null) {
      result.notes.push(`${name}: binding ${shown} failed here with ${code}; serve may fail the same way`);
    }
  }
  return result;
}

function bindError(address: HostPort): string | null {
  try {
    Bun.listen({ hostname: address.host, port: address.port, socket: { data() {} } }).stop(true);
    return null;
  } catch (error) {
    return (error as { code?: string }).code ?? "an unknown error";
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    // A plain file needs no X bit: check W alone.
    try {
      accessSync(path, constants.W_OK);
      return !statSync(path).isDirectory();
    } catch {
      return false;
    }
  }
}
