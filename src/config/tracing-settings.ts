import { spec } from "./setting-spec.ts";

/** The samplers OTEL_TRACES_SAMPLER names (the OpenTelemetry SDK environment specification). */
export const SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The standard OTEL_* variable is the fallback of each MILLRACE_OTEL_* setting, so a host set
 * up for OpenTelemetry works unchanged, and `millrace config` shows what is in force.
 */
function standard<T>(name: string, parse: (raw: string) => T, fallback: T): (env: Env) => T {
  return (env) => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return fallback;
    try {
      return parse(raw);
    } catch (error) {
      throw new Error(`${name} ${(error as Error).message}`);
    }
  };
}

function endpoint(raw: string): string {
  const text = raw.trim();
  if (!/^https?:\/\/[^/\s?#]+(\/[^\s?#]*)?$/.test(text)) {
    throw new Error("must be an http(s) URL like http://127.0.0.1:4318, the collector's OTLP/HTTP base");
  }
  return text.replace(/\/+$/, "");
}

/** `key=value,key2=value2` with percent-encoded values, as the specification writes them. */
export function otlpHeaders(raw: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of raw.split(",")) {
    if (pair.trim() === "") continue;
    const at = pair.indexOf("=");
    const key = at > 0 ? pair.slice(0, at).trim() : "";
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) {
      throw new Error(`has "${pair.trim().slice(0, 40)}", not key=value; write api-key=secret,x-tenant=a`);
    }
    try {
      headers[key.toLowerCase()] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      throw new Error(`has a bad percent-encoding in the value of ${key}`);
    }
  }
  return headers;
}

function sampler(raw: string): SamplerName {
  const value = raw.trim().toLowerCase();
  if (!(SAMPLERS as readonly string[]).includes(value)) {
    throw new Error(`"${raw}" is not one of ${SAMPLERS.join(", ")}`);
  }
  return value as SamplerName;
}

function ratio(raw: string): number {
  const value = Number(raw.trim());
  if (raw.trim() === "" || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new Error(`"${raw}" is not a ratio from 0 to 1, like 0.25`);
  }
  return value;
}

function serviceName(raw: string): string {
  const value = raw.trim();
  if (value === "" || value.length > 200) throw new Error("must be 1 to 200 characters, like millrace-eu-1");
  return value;
}

/** Distributed tracing with OpenTelemetry: off unless an OTLP endpoint is set. */
export const TRACING_SETTINGS = {
  otlpEndpoint: spec<string | null>({
    env: "MILLRACE_OTEL_EXPORTER_OTLP_ENDPOINT",
    flag: "--otel-exporter-otlp-endpoint",
    doc: "OTLP/HTTP base URL of the trace collector (spans go to <url>/v1/traces); setting it turns tracing on. Falls back to OTEL_EXPORTER_OTLP_ENDPOINT",
    defaultText: "unset (tracing off)",
    default: standard("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint, null),
    parse: endpoint,
  }),
  otlpHeaders: spec<Record<string, string> | null>({
    env: "MILLRACE_OTEL_EXPORTER_OTLP_HEADERS",
    flag: "--otel-exporter-otlp-headers",
    doc: "headers sent with every export, as key=value,key2=value2 (percent-encoded values). Falls back to OTEL_EXPORTER_OTLP_HEADERS",
    defaultText: "unset",
    secret: true,
    default: standard("OTEL_EXPORTER_OTLP_HEADERS", otlpHeaders, null),
    parse: otlpHeaders,
  }),
  otelServiceName: spec({
    env: "MILLRACE_OTEL_SERVICE_NAME",
    flag: "--otel-service-name",
    doc: "service.name of the spans. Falls back to OTEL_SERVICE_NAME",
    defaultText: "millrace",
    default: standard("OTEL_SERVICE_NAME", serviceName, "millrace"),
    parse: serviceName,
  }),
  otelSampler: spec<SamplerName>({
    env: "MILLRACE_OTEL_TRACES_SAMPLER",
    flag: "--otel-traces-sampler",
    doc: `which traces are kept: ${SAMPLERS.join(", ")}. Falls back to OTEL_TRACES_SAMPLER`,
    defaultText: "parentbased_always_on",
    default: standard("OTEL_TRACES_SAMPLER", sampler, "parentbased_always_on"),
    parse: sampler,
  }),
  otelSamplerArg: spec({
    env: "MILLRACE_OTEL_TRACES_SAMPLER_ARG",
    flag: "--otel-traces-sampler-arg",
    doc: "the ratio of the traceidratio samplers, 0 to 1. Falls back to OTEL_TRACES_SAMPLER_ARG",
    defaultText: "1",
    default: standard("OTEL_TRACES_SAMPLER_ARG", ratio, 1),
    parse: ratio,
  }),
} as const;
