// The reference for the publish target: Elysia's bare POST ceiling on this machine. It parses
// the JSON body and answers 201 with an id, like a publish, but stores nothing.
import { Elysia } from "elysia";

const port = Number(process.env.PORT ?? 7490);
new Elysia()
  .post("/v1/queues/:queue/messages", ({ body, set }) => {
    set.status = 201;
    return { id: Bun.randomUUIDv7(), duplicate: (body as { body?: unknown }).body === undefined };
  })
  .listen({ hostname: "127.0.0.1", port });
console.log(`reference listening on ${port}`);
