import { spawn, spawnSync, type Subprocess } from "bun";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "./delivery-receiver.ts";

/** One span as the collector handed it on (OTLP JSON, flattened). */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP numbering: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  links: Array<{ traceId: string; spanId: string }>;
  serviceName: string;
}

export interface Collector {
  /** OTLP/HTTP base URL to export to (MILLRACE_OTEL_EXPORTER_OTLP_ENDPOINT). */
  endpoint: string;
  spans: CollectedSpan[];
  stop(): Promise<void>;
}

/** The collector binary: scripts/test builds it once (scripts/otelcol); run alone, this does. */
function collectorBinary(): string {
  const known = process.env.MILLRACE_OTELCOL;
  if (known) return known;
  const built = spawnSync([join(import.meta.dir, "../../scripts/otelcol")], { stderr: "inherit" });
  const path = built.stdout.toString().trim();
  if (built.exitCode !== 0 || path === "") {
    throw new Error("scripts/otelcol could not build an OpenTelemetry Collector; see its output above");
  }
  return path;
}

async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

/**
 * A real OpenTelemetry Collector (core: OTLP receiver, OTLP/HTTP exporter) between the app and
 * the test: the app exports OTLP protobuf to the collector, which passes the spans on as OTLP
 * JSON to a sink here. So what the test reads was accepted and re-encoded by the collector.
 */
export async function startCollector(): Promise<Collector> {
  const binary = collectorBinary();
  const spans: CollectedSpan[] = [];
  const sink = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (request) => {
      spans.push(...flatten((await request.json()) as ExportRequest));
      return Response.json({});
    },
  });
  const receiverPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "millrace-otelcol-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${receiverPort}
exporters:
  otlp_http:
    traces_endpoint: http://127.0.0.1:${sink.port}/v1/traces
    encoding: json
    compression: none
    retry_on_failure:
      enabled: false
service:
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlp_http]
`,
  );
  const process_: Subprocess = spawn([binary, "--config", configPath], { stdout: "inherit", stderr: "inherit" });
  const endpoint = `http://127.0.0.1:${receiverPort}`;
  try {
    await waitFor("the collector's OTLP/HTTP receiver", async () => {
      if (process_.exitCode !== null) throw new Error(`the collector exited with ${process_.exitCode}`);
      const answer = await fetch(`${endpoint}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      }).catch(() => null);
      return answer?.status === 200;
    });
  } catch (error) {
    process_.kill();
    await sink.stop(true);
    throw error;
  }
  return {
    endpoint,
    spans,
    stop: async () => {
      process_.kill();
      await process_.exited;
      await sink.stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface ExportRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        attributes?: KeyValue[];
        links?: Array<{ traceId: string; spanId: string }>;
      }>;
    }>;
  }>;
}

function attributeMap(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    out[key] =
      value.stringValue ??
      (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? value.doubleValue ?? ""));
  }
  return out;
}

function flatten(request: ExportRequest): CollectedSpan[] {
  const out: CollectedSpan[] = [];
  for (const resource of request.resourceSpans ?? []) {
    const serviceName = String(attributeMap(resource.resource?.attributes)["service.name"] ?? "");
    for (const scope of resource.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        out.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? "",
          name: span.name,
          kind: span.kind ?? 0,
          attributes: attributeMap(span.attributes),
          links: (span.links ?? []).map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
          serviceName,
        });
      }
    }
  }
  return out;
}
