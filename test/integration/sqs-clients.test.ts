import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { startSqsApp, type SqsApp } from "../helpers/sqs.ts";

// Clients nobody here wrote, in the query protocol: Debian's python3-boto3 and awscli, run by
// test/sqs/clients.sh (which installs them with apt-get when missing).

let app: SqsApp;
beforeAll(async () => {
  app = await startSqsApp("sqlite");
});
afterAll(async () => {
  await app?.stop();
});

test("boto3 and the aws CLI: send, receive, delete, FIFO, redrive policy", async () => {
  const key = app.keys.admin!;
  const child = Bun.spawn(["sh", join(import.meta.dir, "..", "sqs", "clients.sh")], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      SQS_ENDPOINT: app.sqsUrl,
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) console.error(out, err);
  expect(code).toBe(0);
  expect(out).toContain("boto3 done");
  expect(out).toContain("clients done");
  expect(out).not.toContain("FAIL");
}, 240_000);
