import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SETTINGS } from "../../src/config/schema.ts";
import { ROOT } from "../helpers/spawn-serve.ts";

// /etc/millrace/millrace.env must document every setting, so the packaged file stays current as
// settings are added to src/config/schema.ts. It may also document the variables DESIGN.md §4
// names that are not implemented yet (they are commented out, so they change nothing).
const DESIGN_VARIABLES = [
  "MILLRACE_LISTEN",
  "MILLRACE_MODE",
  "MILLRACE_DATA_DIR",
  "MILLRACE_DATABASE_URL",
  "MILLRACE_LOG_LEVEL",
  "MILLRACE_METRICS_LISTEN",
  "MILLRACE_AUTH",
  "MILLRACE_API_KEYS_FILE",
  "MILLRACE_JWT_SECRET",
  "MILLRACE_JWKS_URLS",
  "MILLRACE_JWT_ISSUER",
  "MILLRACE_JWT_AUDIENCE",
  "MILLRACE_RATE_LIMIT_PER_SECOND",
  "MILLRACE_RATE_LIMIT_BURST",
  "MILLRACE_CORS_ORIGINS",
  "MILLRACE_TRUSTED_PROXIES",
  "MILLRACE_MAX_BODY_BYTES",
  "MILLRACE_WEBHOOK_ALLOW_CIDRS",
  "MILLRACE_SHUTDOWN_TIMEOUT_SECONDS",
  "MILLRACE_DOCS",
];

const envFile = readFileSync(join(ROOT, "packaging/millrace.env"), "utf8");
const documented = new Map(
  [...envFile.matchAll(/^#?(MILLRACE_[A-Z0-9_]+)=(.*)$/gm)].map((match) => [match[1]!, match[2]!]),
);

describe("packaging/millrace.env", () => {
  test("documents every setting in src/config/schema.ts and DESIGN.md §4", () => {
    const missing = [...Object.values(SETTINGS).map((s) => s.env), ...DESIGN_VARIABLES].filter(
      (name) => !documented.has(name),
    );
    expect(missing).toEqual([]);
  });

  test("documents nothing that does not exist", () => {
    const known = new Set([...Object.values(SETTINGS).map((s) => s.env), ...DESIGN_VARIABLES]);
    expect([...documented.keys()].filter((name) => !known.has(name))).toEqual([]);
  });

  test("shows each implemented setting's real default, and sets nothing", () => {
    for (const setting of Object.values(SETTINGS)) {
      const shown = documented.get(setting.env)!;
      if (setting.env === "MILLRACE_DATA_DIR") expect(shown).toBe("/var/lib/millrace");
      else if (setting.defaultText.startsWith("unset") || setting.defaultText === "empty") expect(shown).toBe("");
      // "0 (off)" is shown as 0: the note in parentheses is for the README table.
      else expect(`${setting.env}=${shown}`).toBe(`${setting.env}=${setting.defaultText.replace(/ \(.*\)$/, "")}`);
    }
    expect(envFile.match(/^MILLRACE_/m)).toBeNull();
  });
});
