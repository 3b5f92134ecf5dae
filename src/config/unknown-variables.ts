import { SETTINGS } from "./schema.ts";

/**
 * MILLRACE_* variables that are legitimately set but are not settings of `serve`, so they must
 * not be reported as misspellings. Keep this list in step with every reader outside
 * src/config/schema.ts:
 */
const NOT_SETTINGS = [
  // The admin CLI (src/cli/api-client.ts): where the broker is, and the admin credential.
  "MILLRACE_URL",
  "MILLRACE_TOKEN",
  // scripts/bootstrap exports the checkout root; the scripts/ and test/ shell scripts read it.
  "MILLRACE_ROOT",
  // The test suites (test/helpers/test-store.ts, test/packaging/*.sh).
  "MILLRACE_TEST_STORE",
  "MILLRACE_TEST_DATABASE_URL",
  "MILLRACE_TEST_PORT",
  "MILLRACE_ARM64_TEST_PORT",
  "MILLRACE_ROOTFS_CACHE",
  // The tracing tests' collector (scripts/otelcol, test/helpers/otel-collector.ts).
  "MILLRACE_OTELCOL",
  "MILLRACE_OTELCOL_CACHE",
  // Packaging and builds (scripts/package, scripts/build-binary, packaging/nfpm.yaml, drizzle.config.ts).
  "MILLRACE_VERSION",
  "MILLRACE_ARCH",
  "MILLRACE_BUILD_TARGETS",
  "MILLRACE_SKIP_BUILD",
  "MILLRACE_REQUIRE_ARM64",
  "MILLRACE_PACKAGE_ENV_NOTE",
  "MILLRACE_MIGRATIONS_OUT",
];

/** Every name Millrace or its tooling reads: each setting, its `_FILE` form, and the list above. */
function knownNames(): Set<string> {
  const names = new Set(NOT_SETTINGS);
  for (const setting of Object.values(SETTINGS)) {
    names.add(setting.env);
    // loadConfig reads `<name>_FILE` for every setting, not only secrets.
    names.add(`${setting.env}_FILE`);
  }
  return names;
}

/** One line per MILLRACE_* variable that nothing reads, with the nearest known name when one is close. */
export function unknownVariables(env: Readonly<Record<string, string | undefined>>): string[] {
  const known = knownNames();
  const problems: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith("MILLRACE_") || known.has(name)) continue;
    const nearest = nearestName(name, known);
    problems.push(
      nearest
        ? `${name}: is not a Millrace setting and is ignored; did you mean ${nearest}?`
        : `${name}: is not a Millrace setting and is ignored; see \`millrace serve --help\` for the settings`,
    );
  }
  return problems;
}

/** The known name at the smallest edit distance, if that distance is small for the name's length. */
function nearestName(name: string, known: Set<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Compare the part after MILLRACE_: a typo of a few letters, or a third of a short name.
  const budget = Math.max(2, Math.floor((name.length - "MILLRACE_".length) / 3));
  return bestDistance <= budget ? best : null;
}

/** Damerau-Levenshtein (optimal string alignment): a swap of two letters, as in LISTNE, counts once. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}
