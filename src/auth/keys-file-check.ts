import { readFileSync } from "node:fs";
import type { Config } from "../config/schema.ts";
import { parseKeysFile } from "./api-key-format.ts";

/**
 * The start-time check of the API keys file's content, so that `serve` and `check-config` refuse
 * a broken file with one line per problem instead of failing later, when the authenticator loads it.
 */
export function keysFileProblems(
  config: Pick<Config, "auth" | "apiKeysFile" | "sqsListen" | "mode">,
  readFile: (path: string) => string = (path) => readFileSync(path, "utf8"),
): string[] {
  // The SQS listener's access keys live in the same file, whatever MILLRACE_AUTH says for /v1.
  const sqsReadsIt = config.sqsListen !== null && config.mode !== "worker" && config.auth !== "none";
  if ((config.auth !== "api-key" && !sqsReadsIt) || config.apiKeysFile === null) return [];
  try {
    parseKeysFile(readFile(config.apiKeysFile));
    return [];
  } catch (error) {
    return [`MILLRACE_API_KEYS_FILE: ${config.apiKeysFile}: ${(error as Error).message}`];
  }
}
