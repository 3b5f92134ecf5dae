import { expect, test } from "bun:test";
import { ApiClient } from "./api-client.ts";
import { UnavailableError } from "./args.ts";

// The paging loop against a server that pages like GET /v1/queues does: `limit` items per page,
// `nextCursor` until the last page.
test("pages follows nextCursor until it is null, passing limit and after", async () => {
  const names = ["a", "b", "c", "d", "e"];
  const seen: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const url = new URL(request.url);
      seen.push(url.search);
      const after = url.searchParams.get("after");
      const limit = Number(url.searchParams.get("limit"));
      const start = after === null ? 0 : names.indexOf(after) + 1;
      const page = names.slice(start, start + limit);
      const next = start + limit < names.length ? page.at(-1)! : null;
      return Response.json({ queues: page.map((name) => ({ name })), nextCursor: next });
    },
  });
  try {
    const client = new ApiClient(`http://127.0.0.1:${server.port}`);
    const items = await client.pages<{ name: string }>("/v1/queues", "queues", "2");
    expect(items.map((q) => q.name)).toEqual(names);
    expect(seen).toEqual(["?limit=2", "?limit=2&after=b", "?limit=2&after=d"]);
  } finally {
    await server.stop(true);
  }
});

test("a broker that does not answer is unavailable (exit 69), not a hang", async () => {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Promise<Response>(() => undefined) });
  try {
    const client = new ApiClient(`http://127.0.0.1:${server.port}`, null, 100);
    const error = await client.request("GET", "/v1/queues").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toContain("did not answer GET /v1/queues within 0.1 s");
  } finally {
    await server.stop(true);
  }
});
