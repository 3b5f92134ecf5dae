import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Server } from "bun";
import { signForTest } from "../../src/sqs/sigv4.ts";
import { startSqsApp } from "../helpers/sqs.ts";
import { startApp, type RunningApp } from "../helpers/start-app.ts";

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await Bun.sleep(5);
}

// The SQS listener's edges: bad input is a 4xx in the protocol's error shape (never a 5xx), the
// API's rate limit applies per caller, requests are counted in /metrics, and a stopping server
// releases waiting long-polls. Auth is off here (loopback), so requests are unsigned.

let app: RunningApp;
let sqs: string;
beforeAll(async () => {
  app = await startApp({
    MILLRACE_SQS_LISTEN: "127.0.0.1:0",
    MILLRACE_RATE_LIMIT_PER_SECOND: "1",
    MILLRACE_RATE_LIMIT_BURST: "1000",
    MILLRACE_LOG_LEVEL: "warn",
  });
  sqs = app.app.sqsUrl;
});
afterAll(async () => {
  await app?.stop();
});

function json(target: string, body: string) {
  return fetch(`${sqs}/`, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": target },
    body,
  });
}

function query(body: string, path = "/") {
  return fetch(`${sqs}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
}

test("bad input answers 4xx in each protocol's error shape, naming what is wrong", async () => {
  const cases: Array<[Promise<Response>, string]> = [
    [json("AmazonSQS.SendMessage", "{not json"), "SerializationException"],
    [json("AmazonSQS.SendMessage", "[1]"), "SerializationException"],
    [json("Nope", "{}"), "InvalidAction"],
    [json("AmazonSQS.Frobnicate", "{}"), "InvalidAction"],
    [json("AmazonSQS.SendMessage", '{"MessageBody":"x"}'), "MissingParameter"],
    [json("AmazonSQS.SendMessage", '{"QueueUrl":5,"MessageBody":"x"}'), "InvalidParameterValue"],
    [json("AmazonSQS.SendMessage", '{"QueueUrl":"not a url","MessageBody":"x"}'), "InvalidAddress"],
    [
      json("AmazonSQS.ReceiveMessage", '{"QueueUrl":"http://h/000000000000/none","MaxNumberOfMessages":11}'),
      "InvalidParameterValue",
    ],
    [json("AmazonSQS.CreateQueue", '{"QueueName":"bad name!"}'), "InvalidParameterValue"],
    [json("AmazonSQS.CreateQueue", '{"QueueName":"q","Attributes":{"DelaySeconds":"-1"}}'), "InvalidAttributeValue"],
    [json("AmazonSQS.CreateQueue", '{"QueueName":"q","Attributes":"x"}'), "InvalidParameterValue"],
    [
      json("AmazonSQS.SendMessageBatch", '{"QueueUrl":"http://h/000000000000/q","Entries":[]}'),
      "AWS.SimpleQueueService.EmptyBatchRequest",
    ],
    [
      json("AmazonSQS.SendMessageBatch", '{"QueueUrl":"http://h/000000000000/q","Entries":[{"Id":"bad id"}]}'),
      "AWS.SimpleQueueService.InvalidBatchEntryId",
    ],
    [json("AmazonSQS.GetQueueUrl", '{"QueueName":"missing"}'), "AWS.SimpleQueueService.NonExistentQueue"],
  ];
  for (const [pending, code] of cases) {
    const response = await pending;
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get("x-amzn-query-error")?.split(";")[0]).toBe(code);
    const body = (await response.json()) as { __type: string; message: string };
    expect(body.__type).toStartWith("com.amazonaws.sqs#");
    expect(body.message.length).toBeGreaterThan(10);
  }
  const form = await query("Action=SendMessage&MessageBody=x&QueueUrl=http%3A%2F%2Fh%2F000000000000%2Fmissing");
  expect(form.status).toBe(400);
  const xml = await form.text();
  expect(xml).toContain("<Code>AWS.SimpleQueueService.NonExistentQueue</Code>");
  expect(xml).toContain("<Type>Sender</Type>");
  const noAction = await query("QueueName=x");
  expect(await noAction.text()).toContain("<Code>InvalidAction</Code>");
  const wrongType = await fetch(`${sqs}/`, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: "Action=ListQueues",
  });
  expect(wrongType.status).toBe(400);
  const badPath = await query("Action=ListQueues", "/admin/../x");
  expect(badPath.status).toBe(404);
});

test("message bodies outside SQS's character set, and oversized ones, are refused", async () => {
  await query("Action=CreateQueue&QueueName=limits");
  const url = encodeURIComponent(`${sqs}/000000000000/limits`);
  const control = await query(`Action=SendMessage&QueueUrl=${url}&MessageBody=${encodeURIComponent("a\u0001b")}`);
  expect(await control.text()).toContain("<Code>InvalidMessageContents</Code>");
  const big = await query(`Action=SendMessage&QueueUrl=${url}&MessageBody=${"x".repeat(262_145)}`);
  expect(big.status).toBe(400);
  expect(await big.text()).toContain("shorter than 262144 bytes");
});

test("requests are counted in /metrics under sqs:<Action>", async () => {
  await query("Action=ListQueues");
  const text = await (await fetch(`${app.url}/metrics`)).text();
  expect(text).toMatch(/millrace_http_requests_total\{method="POST",route="sqs:ListQueues",status="200"\} \d+/);
});

test("a stopping server releases waiting long-polls with an empty answer", async () => {
  const own = await startApp({ MILLRACE_SQS_LISTEN: "127.0.0.1:0", MILLRACE_LOG_LEVEL: "warn" });
  await fetch(`${own.app.sqsUrl}/`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "Action=CreateQueue&QueueName=idle",
  });
  const waiting = fetch(`${own.app.sqsUrl}/000000000000/idle`, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS.ReceiveMessage" },
    body: JSON.stringify({ QueueUrl: `${own.app.sqsUrl}/000000000000/idle`, WaitTimeSeconds: 20 }),
  });
  // Once the listener holds the request, stopping must answer it (empty), not cut it.
  const listener = (own.app as unknown as { http: { sqs: Server<unknown> } }).http.sqs;
  await waitFor(() => listener.pendingRequests >= 1);
  await own.stop();
  const response = await waiting;
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ Messages: [] });
});

test("the rate limit applies per caller and answers RequestThrottled, which the SDKs retry", async () => {
  const limited = await startApp({
    MILLRACE_SQS_LISTEN: "127.0.0.1:0",
    MILLRACE_RATE_LIMIT_PER_SECOND: "1",
    MILLRACE_RATE_LIMIT_BURST: "2",
    MILLRACE_LOG_LEVEL: "warn",
  });
  try {
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${limited.app.sqsUrl}/`, {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS.ListQueues" },
        body: "{}",
      });
      codes.push(response.headers.get("x-amzn-query-error")?.split(";")[0] ?? String(response.status));
    }
    expect(codes.slice(0, 2)).toEqual(["200", "200"]);
    expect(codes.slice(2)).toContain("RequestThrottled");
  } finally {
    await limited.stop();
  }
});

test("refused signatures cost rate-limit tokens of the caller's address, so guessing secrets is throttled", async () => {
  const signed = await startSqsApp(
    "sqlite",
    {},
    { MILLRACE_RATE_LIMIT_PER_SECOND: "1", MILLRACE_RATE_LIMIT_BURST: "3" },
  );
  try {
    const body = "Action=ListQueues";
    const base = { "content-type": "application/x-www-form-urlencoded", host: new URL(signed.sqsUrl).host };
    const wrong = { accessKeyId: signed.keys.admin!.accessKeyId, secret: "g".repeat(40) };
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const headers = signForTest(
        { method: "POST", rawPath: "/", rawQuery: "", headers: base, body: Buffer.from(body) },
        wrong,
        {
          now: Date.now(),
        },
      );
      const text = await (await fetch(`${signed.sqsUrl}/`, { method: "POST", headers, body })).text();
      codes.push(/<Code>([^<]+)</.exec(text)?.[1] ?? "none");
    }
    expect(codes.slice(0, 3)).toEqual(["SignatureDoesNotMatch", "SignatureDoesNotMatch", "SignatureDoesNotMatch"]);
    expect(codes.slice(3)).toContain("RequestThrottled");
  } finally {
    await signed.stop();
  }
});
