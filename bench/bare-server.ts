// The load generator's own ceiling: the cheapest server Bun can be (a static route, no body
// parsing). What wrk reaches against it is the most any server can show in this bench.
const port = Number(process.env.PORT ?? 7490);
Bun.serve({
  hostname: "127.0.0.1",
  port,
  routes: { "/v1/queues/:queue/messages": new Response('{"id":"1"}', { status: 201 }) },
  fetch: () => new Response("not found", { status: 404 }),
});
console.log(`bare server listening on ${port}`);
