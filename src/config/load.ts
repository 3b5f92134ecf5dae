import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SETTINGS, type Config, type SettingKey } from "./schema.ts";

/** Raised when configuration is invalid; one problem per line, each naming the variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

/** sysexits.h EX_CONFIG: what the process exits with on a configuration error. */
export const EXIT_CONFIG = 78;

export interface ConfigSources {
  env: Readonly<Record<string, string | undefined>>;
  /** Parsed `--flag value` pairs, keyed by flag (with the dashes). */
  flags: Readonly<Record<string, string>>;
  readFile?: (path: string) => string;
}

/**
 * Resolves every setting. Later sources win: the environment, then `<ENV>_FILE`, then a systemd
 * credential named after the setting (`$CREDENTIALS_DIRECTORY/<env name in lower case>`, secrets
 * only), then the command-line flag. All problems are collected before failing.
 */
export function loadConfig(sources: ConfigSources): Config {
  const readFile = sources.readFile ?? ((path: string) => readFileSync(path, "utf8"));
  const problems: string[] = [];
  const config: Record<string, unknown> = {};

  for (const [key, setting] of Object.entries(SETTINGS) as Array<[SettingKey, (typeof SETTINGS)[SettingKey]]>) {
    let raw: string | undefined;
    let origin = setting.env;
    const fromEnv = sources.env[setting.env];
    if (fromEnv !== undefined && fromEnv !== "") raw = fromEnv;

    const filePath = sources.env[`${setting.env}_FILE`];
    if (filePath) {
      origin = `${setting.env}_FILE`;
      try {
        raw = readFile(filePath).trim();
      } catch (error) {
        problems.push(
          `${origin}: cannot read ${filePath} (${(error as Error).message}); fix the path or its permissions`,
        );
        continue;
      }
    }

    const credentialsDir = sources.env.CREDENTIALS_DIRECTORY;
    if ("secret" in setting && setting.secret && credentialsDir) {
      const credentialName = setting.env.toLowerCase();
      try {
        raw = readFile(join(credentialsDir, credentialName)).trim();
        origin = `credential ${credentialName}`;
      } catch {
        // No such credential: the other sources stand.
      }
    }

    const fromFlag = sources.flags[setting.flag];
    if (fromFlag !== undefined) {
      raw = fromFlag;
      origin = setting.flag;
    }

    if (raw === undefined) {
      config[key] = setting.default(sources.env);
      continue;
    }
    try {
      config[key] = setting.parse(raw);
    } catch (error) {
      problems.push(
        `${origin === setting.env ? setting.env : `${origin} (${setting.env})`}: ${(error as Error).message}`,
      );
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return config as Config;
}

/** The effective configuration as printable text, with secrets redacted. */
export function describeConfig(config: Config): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as Array<[SettingKey, (typeof SETTINGS)[SettingKey]]>) {
    const value = config[key];
    const secret = "secret" in setting && setting.secret;
    out[setting.env] =
      value === null
        ? "(unset)"
        : secret
          ? "(redacted)"
          : typeof value === "object"
            ? formatHostPort(value)
            : String(value);
  }
  return out;
}

function formatHostPort(value: { host: string; port: number }): string {
  return value.host.includes(":") ? `[${value.host}]:${value.port}` : `${value.host}:${value.port}`;
}
