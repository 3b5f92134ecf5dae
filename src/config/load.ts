import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isLoopbackHost } from "../net/address.ts";
import { formatHostPort, type HostPort } from "./parsers.ts";
import { SETTINGS, type Config, type SettingKey } from "./schema.ts";

/** Raised when configuration is invalid; one problem per line, each naming the variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

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

    try {
      // A default may read a standard variable (OTEL_*), which can be wrong too.
      config[key] = raw === undefined ? setting.default(sources.env) : setting.parse(raw);
    } catch (error) {
      problems.push(
        `${origin === setting.env ? setting.env : `${origin} (${setting.env})`}: ${(error as Error).message}`,
      );
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  const checked = config as Config;
  problems.push(...crossChecks(checked));
  if (problems.length > 0) throw new ConfigError(problems);
  return checked;
}

/** Rules that involve several settings. */
function crossChecks(config: Config): string[] {
  const problems: string[] = [];
  if (config.auth === "none" && config.mode !== "worker" && !isLoopbackHost(config.listen.host)) {
    problems.push(
      `MILLRACE_AUTH: is none, but MILLRACE_LISTEN (${formatHostPort(config.listen)}) is not a loopback address; set MILLRACE_AUTH=api-key or jwt, or listen on 127.0.0.1`,
    );
  }
  if (config.auth === "api-key") {
    // The file's content is the authenticator's to judge (src/auth/keys-file-check.ts): config
    // only knows that a file must be named.
    if (config.apiKeysFile === null) {
      problems.push(
        "MILLRACE_API_KEYS_FILE: is required with MILLRACE_AUTH=api-key; create keys with `millrace keys create`",
      );
    }
  }
  problems.push(...sqsProblems(config));
  if (config.auth === "jwt") {
    if ((config.jwtSecret === null) === (config.jwksUrls.length === 0)) {
      problems.push(
        "MILLRACE_JWT_SECRET: with MILLRACE_AUTH=jwt set exactly one of MILLRACE_JWT_SECRET (HS256) or MILLRACE_JWKS_URLS (RS256, ES256, EdDSA)",
      );
    }
    if (config.jwtIssuer === null) problems.push("MILLRACE_JWT_ISSUER: is required with MILLRACE_AUTH=jwt");
    if (config.jwtAudience === null) problems.push("MILLRACE_JWT_AUDIENCE: is required with MILLRACE_AUTH=jwt");
  }
  if (
    config.metricsListen !== null &&
    config.metricsListen.port !== 0 &&
    config.metricsListen.port === config.listen.port &&
    config.metricsListen.host === config.listen.host
  ) {
    problems.push(
      "MILLRACE_METRICS_LISTEN: is the API address; give it another port, or unset it to serve /metrics on the API port",
    );
  }
  if (config.shutdownDelaySeconds >= config.shutdownTimeoutSeconds) {
    problems.push(
      "MILLRACE_SHUTDOWN_DELAY_SECONDS: must be shorter than MILLRACE_SHUTDOWN_TIMEOUT_SECONDS, which includes it",
    );
  }
  return problems;
}

/** The SQS listener's access keys live in the API keys file, whatever MILLRACE_AUTH says for /v1. */
function sqsProblems(config: Config): string[] {
  const listen = config.sqsListen;
  if (listen === null || config.mode === "worker") return [];
  if (listen.port !== 0 && listen.port === config.listen.port && listen.host === config.listen.host) {
    return ["MILLRACE_SQS_LISTEN: is the API address; give it its own port (9324 is usual)"];
  }
  if (config.auth === "none") {
    return isLoopbackHost(listen.host)
      ? []
      : [
          `MILLRACE_AUTH: is none, but MILLRACE_SQS_LISTEN (${formatHostPort(listen)}) is not a loopback address; set MILLRACE_AUTH=api-key and create access keys with \`millrace keys create --sqs\`, or listen on 127.0.0.1`,
        ];
  }
  if (config.apiKeysFile === null) {
    return [
      "MILLRACE_API_KEYS_FILE: MILLRACE_SQS_LISTEN needs it for the SQS access keys; create them with `millrace keys create --sqs`",
    ];
  }
  // The file's content is checked by auth (src/auth/keys-file-check.ts), as for /v1's keys.
  return [];
}

/** The effective configuration as printable text, with secrets redacted. */
export function describeConfig(config: Config): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as Array<[SettingKey, (typeof SETTINGS)[SettingKey]]>) {
    const value = config[key];
    const secret = "secret" in setting && setting.secret;
    out[setting.env] = value === null ? "(unset)" : secret ? "(redacted)" : formatValue(value);
  }
  return out;
}

function formatValue(value: unknown): string {
  if (Array.isArray(value)) {
    return value
      .map((item: unknown) => (typeof item === "object" && item && "text" in item ? String(item.text) : String(item)))
      .join(",");
  }
  if (typeof value === "object" && value !== null) return formatHostPort(value as HostPort);
  return String(value);
}
