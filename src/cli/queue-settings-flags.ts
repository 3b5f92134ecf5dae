import { UsageError } from "./args.ts";

// `millrace queues create|update` flags -> the JSON body of PUT /v1/queues/{q}.
// Each flag is the kebab-case of the JSON field, so the server's error (which names the JSON
// field, e.g. `backoff.baseMs`) points at the flag too. Ranges are checked by the server only,
// so the CLI and the API cannot disagree about them.

type Kind = "number" | "string";

interface FlagSpec {
  flag: string;
  /** Path of the field in the PUT body. */
  path: [string] | [string, string];
  kind: Kind;
}

const FLAGS: FlagSpec[] = [
  { flag: "--visibility-timeout-seconds", path: ["visibilityTimeoutSeconds"], kind: "number" },
  { flag: "--max-attempts", path: ["maxAttempts"], kind: "number" },
  { flag: "--backoff-base-ms", path: ["backoff", "baseMs"], kind: "number" },
  { flag: "--backoff-max-ms", path: ["backoff", "maxMs"], kind: "number" },
  { flag: "--backoff-multiplier", path: ["backoff", "multiplier"], kind: "number" },
  { flag: "--backoff-jitter", path: ["backoff", "jitter"], kind: "string" },
  { flag: "--max-messages", path: ["maxMessages"], kind: "number" },
  { flag: "--retention-seconds", path: ["retentionSeconds"], kind: "number" },
  { flag: "--dedup-window-seconds", path: ["dedupWindowSeconds"], kind: "number" },
  { flag: "--delivery-url", path: ["delivery", "url"], kind: "string" },
  { flag: "--delivery-secret", path: ["delivery", "secret"], kind: "string" },
  { flag: "--delivery-timeout-seconds", path: ["delivery", "timeoutSeconds"], kind: "number" },
  { flag: "--delivery-max-concurrency", path: ["delivery", "maxConcurrency"], kind: "number" },
  { flag: "--delivery-max-per-second", path: ["delivery", "maxPerSecond"], kind: "number" },
];

export const QUEUE_SETTINGS_FLAGS_HELP = `settings (each one optional; omitted settings keep their value, or the default on create):
  --visibility-timeout-seconds N   lease length when receive does not give one
  --max-attempts N                 deliveries before a message is dead-lettered
  --backoff-base-ms N              first retry delay after a nack or expired lease
  --backoff-max-ms N               longest retry delay (at least --backoff-base-ms)
  --backoff-multiplier X           growth factor of the retry delay
  --backoff-jitter full|none       randomise retry delays
  --max-messages N                 publishes beyond this get 429; 0 means unbounded
  --retention-seconds N            how long dead letters are kept
  --dedup-window-seconds N         how long a dedupId is remembered
  --delivery-url URL               push messages to this webhook ...
  --delivery-secret whsec_...      ... signed with this Standard Webhooks secret (give both)
  --delivery-timeout-seconds N, --delivery-max-concurrency N, --delivery-max-per-second N
  --no-delivery                    stop pushing; consumers receive over HTTP again
  --settings JSON                  the whole PUT body as JSON; the flags above override its fields
The server checks the ranges and names the field it refuses (see GET /openapi.json).`;

/** The PUT body the flags describe; an empty object when none is given. */
export function queueSettingsFromFlags(flags: Record<string, string>): Record<string, unknown> {
  const body = parseSettingsJson(flags["--settings"]);
  for (const spec of FLAGS) {
    const raw = flags[spec.flag];
    if (raw === undefined) continue;
    const value = spec.kind === "number" ? toNumber(spec.flag, raw) : raw;
    const [first, second] = spec.path;
    if (second === undefined) {
      body[first] = value;
    } else {
      const current = body[first];
      const nested = typeof current === "object" && current !== null ? (current as Record<string, unknown>) : {};
      body[first] = { ...nested, [second]: value };
    }
  }
  if (flags["--no-delivery"]) {
    if (FLAGS.some((spec) => spec.path[0] === "delivery" && flags[spec.flag] !== undefined)) {
      throw new UsageError("--no-delivery removes delivery; it cannot be combined with --delivery-* flags");
    }
    body.delivery = null;
  }
  const delivery = body.delivery;
  if (typeof delivery === "object" && delivery !== null && !("url" in delivery && "secret" in delivery)) {
    // The API replaces delivery as a whole, and never shows the secret back, so both are needed.
    throw new UsageError(
      "setting delivery needs both --delivery-url and --delivery-secret (the secret is not stored readably)",
    );
  }
  return body;
}

function parseSettingsJson(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new UsageError(`--settings is not JSON; write it like '{"maxAttempts": 5, "backoff": {"baseMs": 500}}'`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError("--settings must be a JSON object of queue settings");
  }
  return parsed as Record<string, unknown>;
}

function toNumber(flag: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) throw new UsageError(`${flag} "${raw}" is not a number`);
  return value;
}
