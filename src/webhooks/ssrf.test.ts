import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { selfSignedLocalhost, startReceiver, type WebhookReceiver } from "../../test/helpers/webhook-receiver.ts";
import { createWebhookSender, type SendOutcome, type WebhookRequest } from "./sender.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const request = (url: string): WebhookRequest => ({
  url,
  messageId: "m",
  body: "{}",
  secrets: [SECRET],
  timeoutMs: 10_000,
});

let endpoint: WebhookReceiver;
beforeAll(() => {
  endpoint = startReceiver();
});
afterAll(() => endpoint.stop());

describe("destinations webhooks may not reach", () => {
  test("nothing reaches 127.0.0.1 without the allowlist, however the URL spells it", async () => {
    const port = endpoint.port;
    const webhooks = createWebhookSender({
      allowCidrs: "",
      // Names the system cannot resolve, answered here: one points at loopback, one mixes a public address in.
      resolveHost: (host) =>
        Promise.resolve(
          host === "mixed.test" ? ["93.184.215.14", "127.0.0.1"] : host === "inside.test" ? ["127.0.0.1"] : [],
        ),
    });
    const local = createWebhookSender({ allowCidrs: "" }); // the system resolver, for localhost
    const urls = [
      `http://127.0.0.1:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://[::ffff:7f00:1]:${port}/`,
      `http://2130706433:${port}/`, // the URL parser turns decimal, hex, octal and short forms into 127.0.0.1
      `http://0x7f000001:${port}/`,
      `http://0x7f.0.0.1:${port}/`,
      `http://017700000001:${port}/`,
      `http://127.1:${port}/`,
      `http://inside.test:${port}/`,
      `http://mixed.test:${port}/`,
      `http://[64:ff9b::7f00:1]:${port}/`,
      `http://0.0.0.0:${port}/`,
    ];
    const outcomes: SendOutcome[] = [];
    for (const url of urls) outcomes.push(await webhooks.send(request(url)));
    outcomes.push(await local.send(request(`http://localhost:${port}/`)));
    for (const outcome of outcomes) expect(outcome.kind).toBe("refused_destination");
    expect(endpoint.requests).toHaveLength(0);
    expect(outcomes[8]).toMatchObject({
      error: expect.stringContaining("inside.test resolves to 127.0.0.1 (loopback)"),
    });
    expect(outcomes[9]).toMatchObject({ error: expect.stringContaining("MILLRACE_WEBHOOK_ALLOW_CIDRS") });
    webhooks.close();
    local.close();
  });

  test("private, link-local, CGNAT and IPv6 local names are refused before any connection", async () => {
    const answers: Record<string, string[]> = {
      "metadata.test": ["169.254.169.254"],
      "lan.test": ["192.168.1.10"],
      "cgnat.test": ["100.64.0.1"],
      "ula.test": ["fd00::1"],
      "v6-local.test": ["::1"],
      "multicast.test": ["224.0.0.251"],
    };
    const webhooks = createWebhookSender({
      allowCidrs: "",
      resolveHost: (host) => Promise.resolve(answers[host] ?? []),
    });
    for (const host of Object.keys(answers)) {
      const outcome = await webhooks.send(request(`http://${host}/`));
      expect(outcome).toMatchObject({
        kind: "refused_destination",
        error: expect.stringContaining(answers[host]![0]!),
      });
    }
    const odd = ["ftp://127.0.0.1/", "http://user:pass@example.com/", "not a url"];
    for (const url of odd) expect((await webhooks.send(request(url))).kind).toBe("refused_destination");
  });

  test("each send connects to the very address it checked: a resolver that changes its answer cannot redirect it", async () => {
    // Same port on 127.0.0.1 (allowed) and 127.0.0.2 (loopback, not allowed).
    const other = startReceiver({ hostname: "127.0.0.2", port: endpoint.port });
    let calls = 0;
    const webhooks = createWebhookSender({
      allowCidrs: "127.0.0.1/32",
      resolveHost: () => Promise.resolve([++calls % 2 === 1 ? "127.0.0.1" : "127.0.0.2"]),
    });
    try {
      const before = endpoint.requests.length;
      // rebind.test exists only in this resolver, so a second lookup by the HTTP client would fail outright.
      expect(await webhooks.send(request(`http://rebind.test:${endpoint.port}/a`))).toMatchObject({ status: 200 });
      expect(calls).toBe(1);
      expect(await webhooks.send(request(`http://rebind.test:${endpoint.port}/b`))).toMatchObject({
        kind: "refused_destination",
        error: expect.stringContaining("127.0.0.2 (loopback)"),
      });
      expect(await webhooks.send(request(`http://rebind.test:${endpoint.port}/c`))).toMatchObject({ status: 200 });
      expect(calls).toBe(3);
      expect(endpoint.requests.slice(before).map((got) => [got.path, got.headers.host])).toEqual([
        ["/a", `rebind.test:${endpoint.port}`],
        ["/c", `rebind.test:${endpoint.port}`],
      ]);
      expect(other.requests).toHaveLength(0);
    } finally {
      webhooks.close();
      await other.stop();
    }
  });
});

describe("HTTPS to a checked address", () => {
  test("the certificate is checked against the URL's name, not the address connected to", async () => {
    const certificate = selfSignedLocalhost();
    const secure = startReceiver({ tls: certificate });
    const webhooks = createWebhookSender({
      allowCidrs: "127.0.0.1/32",
      resolveHost: () => Promise.resolve(["127.0.0.1"]),
      ca: certificate.cert,
    });
    try {
      const good = await webhooks.send(request(`https://localhost:${secure.port}/tls`));
      expect(good).toMatchObject({ kind: "response", status: 200 });
      expect(await webhooks.send(request(`https://localhost:${secure.port}/tls`))).toMatchObject({ status: 200 });
      expect(secure.connections()).toBe(1);
      expect(secure.requests[0]!.headers.host).toBe(`localhost:${secure.port}`);
      // The same server under a name its certificate does not carry, or by its bare address: refused by TLS.
      for (const url of [`https://other.test:${secure.port}/`, `https://127.0.0.1:${secure.port}/`]) {
        const outcome = await webhooks.send(request(url));
        expect(outcome).toMatchObject({ kind: "connection_error", error: expect.stringContaining("CERT") });
      }
      expect(secure.requests).toHaveLength(2);
    } finally {
      webhooks.close();
      await secure.stop();
    }
  });
});
