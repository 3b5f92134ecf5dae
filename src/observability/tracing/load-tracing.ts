import type { Config } from "../../config/schema.ts";
import type { Metrics } from "../metrics.ts";
import type { Tracing } from "./tracing.ts";

// scripts/build-binary defines this: inside a `bun build --compile` binary tracing.ts is an extra
// entrypoint stored under its path relative to src/ (as the SQLite writer thread is).
declare const MILLRACE_COMPILED_TRACING: string | undefined;

/**
 * The OpenTelemetry SDK and OTLP exporter, loaded only when an OTLP endpoint is set. They are a
 * separate entrypoint rather than a lazily evaluated part of the main bundle because the bundler
 * hoists their Node built-in imports (util.inspect, zlib, stream) to the top of the bundle, where
 * they run at every start. With the prom-client change in metrics.ts: the binary's module
 * evaluation (`millrace version`) 55 -> 45 ms of CPU median, 145 -> 112 ms without --bytecode.
 */
export async function loadTracing(config: Config, metrics: Metrics | null): Promise<Tracing | null> {
  if (config.otlpEndpoint === null) return null;
  const specifier =
    typeof MILLRACE_COMPILED_TRACING === "string"
      ? MILLRACE_COMPILED_TRACING
      : new URL("./tracing.ts", import.meta.url).href;
  const module = (await import(specifier)) as typeof import("./tracing.ts");
  return module.createTracing(config, metrics);
}
