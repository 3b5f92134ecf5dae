import fc from "fast-check";
import type { FuzzRequest } from "./hostile-input.ts";
import { rawRequest, type RawResponse } from "./raw-http.ts";
import { describeChange, type Snapshot, type StateReader } from "./state-snapshot.ts";

// Sends hostile requests to a running server and checks every answer against the invariants of
// issue 7: a success, or a 4xx whose body is the JSON error; never a 5xx; never silence; never a
// write on a rejected request; never a polluted prototype (the server runs in this process).

/** Non-JSON successes: the route templates and the content type they answer with. */
const NON_JSON: Record<string, string> = { "/metrics": "text/plain", "/docs": "text/html" };

const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype];

export class FuzzTarget {
  private baseline: Snapshot | null = null;
  private readonly prototypeNames = PROTOTYPES.map((proto) => Object.getOwnPropertyNames(proto).join());
  /** Answers by route and status class, for the summary. */
  readonly tally = new Map<string, Map<string, number>>();

  constructor(
    readonly url: string,
    private readonly state: StateReader,
    /** Requests the server is handling right now. */
    private readonly inFlight: () => number,
  ) {}

  /** Forgets the state seen last, after a write made outside `exchange`. */
  invalidate(): void {
    this.baseline = null;
  }

  /** Sends one request; returns what it broke (empty when every invariant holds). */
  async exchange(request: FuzzRequest): Promise<string[]> {
    this.baseline ??= this.state.snapshot();
    let answer: RawResponse | null = null;
    let failure = "";
    try {
      answer = await rawRequest(this.url, request.raw);
    } catch (error) {
      failure = String(error);
    }
    const problems = answer ? checkAnswer(request, answer) : request.transport ? [] : [`no answer: ${failure}`];
    this.count(request, answer);
    // Nothing of the request may go on after its answer. When Bun refused the request itself, the
    // app may have been handed it all the same; wait for the server to go idle before the state.
    const busy = await this.settled();
    if (busy) problems.push(busy);
    const rejected = answer === null || answer.status >= 400;
    if (rejected) {
      const after = this.state.snapshot();
      const change = describeChange(this.baseline, after);
      if (change) problems.push(`the state changed on a rejected request:\n${change}`);
      this.baseline = after;
    } else {
      this.baseline = null; // a success may write; the next request starts from a fresh snapshot
    }
    problems.push(...this.pollution());
    return problems;
  }

  /** A fast-check predicate that fails with the broken invariants and the request. */
  readonly property = async (request: FuzzRequest): Promise<void> => {
    const problems = await this.exchange(request);
    if (problems.length > 0) throw new Error(`${problems.join("\n")}\nrequest: ${describeRequest(request)}`);
  };

  /** The server still answers its liveness probe. */
  async alive(): Promise<boolean> {
    try {
      return (await fetch(`${this.url}/health/live`)).status === 200;
    } catch {
      return false;
    }
  }

  /** Waits until the server has no request in flight; a message if that does not come within 5 s. */
  private async settled(): Promise<string | null> {
    const deadline = performance.now() + 5000;
    while (this.inFlight() > 0) {
      if (performance.now() > deadline) return `${this.inFlight()} requests still in flight 5 s after the answer`;
      await Bun.sleep(2);
    }
    return null;
  }

  private pollution(): string[] {
    const problems: string[] = [];
    PROTOTYPES.forEach((proto, i) => {
      if (Object.getOwnPropertyNames(proto).join() !== this.prototypeNames[i])
        problems.push(`a prototype gained properties: ${Object.getOwnPropertyNames(proto).join()}`);
    });
    if ((Object.prototype as Record<string, unknown>).fuzzPolluted !== undefined)
      problems.push("Object.prototype.fuzzPolluted is set");
    return problems;
  }

  private count(request: FuzzRequest, answer: RawResponse | null): void {
    const key = `${request.route.method} ${request.route.template}`;
    const byStatus = this.tally.get(key) ?? new Map<string, number>();
    // Successes are lumped; refusals go by error code; anything else by status (a bare 505 from Bun's parser).
    let status = answer ? String(answer.status) : "closed";
    if (answer && answer.status < 300) status = "2xx";
    else if (answer && answer.status < 500 && answer.body.length > 0) {
      const code = (parses(answer.body) as { error?: { code?: unknown } } | null)?.error?.code;
      status = typeof code === "string" ? code : status;
    }
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    this.tally.set(key, byStatus);
  }

  summary(): string {
    return [...this.tally]
      .map(([route, counts]) => {
        const sorted = [...counts].sort((a, b) => b[1] - a[1]);
        return `${route}: ${sorted.map(([status, n]) => `${status} ${n}`).join(", ")}`;
      })
      .join("\n");
  }
}

/** Problems with one answer; Bun's own bare refusals are accepted for transport-level requests only. */
export function checkAnswer(request: FuzzRequest, answer: RawResponse): string[] {
  const { status, body, headers } = answer;
  const type = headers.get("content-type") ?? "";
  const bodiless = request.raw.method === "HEAD" || status === 204;
  if (body.length === 0 && request.transport && [400, 413, 431, 505].includes(status)) return [];
  if (status >= 500) return [`answered ${status}: ${body.toString("utf8").slice(0, 300)}`];
  if (status < 200 || (status >= 300 && status < 400)) return [`answered ${status}, neither a success nor a 4xx`];
  if (bodiless) return body.length === 0 ? [] : [`a ${status} to ${request.raw.method} has a body`];
  if (status < 300) {
    const expected = NON_JSON[request.route.template] ?? "application/json";
    if (!type.startsWith(expected)) return [`a ${status} with content-type "${type}", expected ${expected}`];
    if (expected !== "application/json") return [];
    return parses(body) ? [] : [`a ${status} whose body is not JSON`];
  }
  if (!type.startsWith("application/json")) return [`a ${status} with content-type "${type}", not a JSON error`];
  const parsed = parses(body) as { error?: { code?: unknown; message?: unknown } } | null;
  const error = parsed?.error;
  if (typeof error?.code !== "string" || error.code === "" || typeof error.message !== "string" || error.message === "")
    return [`a ${status} whose body is not {"error":{"code","message"}}: ${body.toString("utf8").slice(0, 300)}`];
  return [];
}

function parses(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    return null;
  }
}

function printable(bytes: Buffer, limit: number): string {
  const text = JSON.stringify(bytes.subarray(0, limit).toString("latin1"));
  return bytes.length > limit ? `${text}… (${bytes.length} bytes)` : text;
}

/** The request in one line, with long parts cut, so a counterexample stays readable. */
export function describeRequest(request: FuzzRequest): string {
  const { method, target, headers = [], body } = request.raw;
  const head = headers.map(([name, value]) => `${name}: ${printable(Buffer.from(value), 60)}`).join("; ");
  const parts = [`${JSON.stringify(method)} ${printable(Buffer.from(target), 200)}`];
  if (headers.length > 0) parts.push(headers.length > 8 ? `${headers.length} headers` : `headers ${head}`);
  if (body !== undefined) parts.push(`body ${printable(Buffer.from(body), 160)}`);
  if (request.transport) parts.push("(malformed HTTP)");
  return parts.join(" | ");
}

/** Makes fast-check print counterexamples with describeRequest instead of dumping megabytes of body. */
export function readable(arbitrary: fc.Arbitrary<FuzzRequest>): fc.Arbitrary<FuzzRequest> {
  return arbitrary.map((request) => Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) }));
}
