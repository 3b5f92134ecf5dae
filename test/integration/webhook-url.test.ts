import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { client, startApp, type RunningApp } from "../helpers/start-app.ts";

// delivery.url is checked for its form when a queue is PUT; reachability is decided at each send.

let server: RunningApp;
let call: ReturnType<typeof client>;
const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

beforeAll(async () => {
  server = await startApp();
  call = client(server.url);
});
afterAll(async () => server.stop());

describe("PUT /v1/queues/{q} with delivery", () => {
  test.each([
    ["ftp://hooks.example.com/in", "http(s) URL"],
    ["https://alice:secret@hooks.example.com/in", "must not carry credentials"],
    ["http://token@hooks.example.com/in", "must not carry credentials"],
  ])("%s is refused with a 400 naming delivery.url", async (url, hint) => {
    const { status, body } = await call("PUT", "/v1/queues/hooked", { delivery: { url, secret } });
    expect(status).toBe(400);
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.details.field).toBe("delivery.url");
    expect(body.error.message).toStartWith("delivery.url: ");
    expect(body.error.message).toContain(hint);
    expect(body.error.message).not.toContain("secret@");
  });

  test("an https URL is accepted, stored as written, and its secret is not shown back", async () => {
    const url = "https://hooks.example.com/in?queue=orders";
    const put = await call("PUT", "/v1/queues/hooked-ok", { delivery: { url, secret } });
    expect(put.status).toBeLessThan(300);
    const got = await call("GET", "/v1/queues/hooked-ok");
    expect(got.body.settings.delivery).toMatchObject({ url, secret: "(set)" });
  });
});
