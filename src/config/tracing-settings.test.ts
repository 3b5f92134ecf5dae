import { expect, test } from "bun:test";
import { ConfigError, describeConfig, loadConfig } from "./load.ts";

function load(env: Record<string, string>) {
  return loadConfig({ env, flags: {} });
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

test("tracing is off by default, with the standard defaults", () => {
  const config = load({});
  expect(config.otlpEndpoint).toBeNull();
  expect(config.otelServiceName).toBe("millrace");
  expect(config.otelSampler).toBe("parentbased_always_on");
  expect(config.otelSamplerArg).toBe(1);
  expect(config.otlpHeaders).toBeNull();
  expect(describeConfig(config).MILLRACE_OTEL_EXPORTER_OTLP_HEADERS).toBe("(unset)");
});

test("the standard OTEL_* variables are read, and MILLRACE_OTEL_* wins over them", () => {
  const standard = {
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/",
    OTEL_EXPORTER_OTLP_HEADERS: "api-key=a%20b,X-Tenant=t1",
    OTEL_SERVICE_NAME: "orders-broker",
    OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
    OTEL_TRACES_SAMPLER_ARG: "0.25",
  };
  const config = load(standard);
  expect(config.otlpEndpoint).toBe("http://collector:4318");
  expect(config.otlpHeaders).toEqual({ "api-key": "a b", "x-tenant": "t1" });
  expect(config.otelServiceName).toBe("orders-broker");
  expect(config.otelSampler).toBe("parentbased_traceidratio");
  expect(config.otelSamplerArg).toBe(0.25);
  const overridden = load({ ...standard, MILLRACE_OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example.com" });
  expect(overridden.otlpEndpoint).toBe("https://otel.example.com");
  expect(describeConfig(overridden).MILLRACE_OTEL_EXPORTER_OTLP_HEADERS).toBe("(redacted)");
});

test("bad values name the variable they came from and how to fix them", () => {
  expect(problemsOf({ OTEL_TRACES_SAMPLER: "sometimes" })[0]).toMatch(
    /^MILLRACE_OTEL_TRACES_SAMPLER: OTEL_TRACES_SAMPLER "sometimes" is not one of always_on/,
  );
  expect(problemsOf({ MILLRACE_OTEL_TRACES_SAMPLER_ARG: "2" })[0]).toContain("not a ratio from 0 to 1");
  expect(problemsOf({ MILLRACE_OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })[0]).toContain("must be an http(s) URL");
  expect(problemsOf({ OTEL_EXPORTER_OTLP_HEADERS: "novalue" })[0]).toContain("not key=value");
});
