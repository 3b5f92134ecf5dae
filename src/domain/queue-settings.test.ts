import { describe, expect, test } from "bun:test";
import { BrokerError } from "./errors.ts";
import { applySettingsPatch, DEFAULT_QUEUE_SETTINGS, type QueueSettingsPatch } from "./queue-settings.ts";

function refusal(patch: QueueSettingsPatch, current = DEFAULT_QUEUE_SETTINGS): string | null {
  try {
    applySettingsPatch(current, patch);
    return null;
  } catch (error) {
    if (error instanceof BrokerError) return error.message;
    throw error;
  }
}

describe("applySettingsPatch", () => {
  test("backoff.baseMs may not exceed maxMs, whichever side the patch sets", () => {
    expect(refusal({ backoff: { baseMs: 10, maxMs: 5 } })).toStartWith("backoff.baseMs: 10 is above backoff.maxMs (5)");
    expect(refusal({ backoff: { baseMs: 120_000 } })).toStartWith("backoff.baseMs: 120000 is above the queue's");
    expect(refusal({ backoff: { maxMs: 10 } })).toStartWith(
      "backoff.maxMs: 10 is below the queue's backoff.baseMs (1000)",
    );
    expect(refusal({ backoff: { baseMs: 5, maxMs: 5 } })).toBeNull();
  });

  test("a queue stored with a conflicting backoff can still change other settings", () => {
    const stored = { ...DEFAULT_QUEUE_SETTINGS, backoff: { ...DEFAULT_QUEUE_SETTINGS.backoff, baseMs: 9, maxMs: 1 } };
    expect(refusal({ maxAttempts: 3 }, stored)).toBeNull();
    expect(refusal({ backoff: { multiplier: 3 } }, stored)).toBeNull();
  });

  test("maxMessages is at most 1e9", () => {
    expect(refusal({ maxMessages: 1e20 })).toStartWith(
      "maxMessages: must be a whole number from 0 (unbounded) to 1000000000",
    );
    expect(refusal({ maxMessages: 1e9 })).toBeNull();
  });
});

describe("delivery.url", () => {
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  test.each([
    ["ftp://hooks.example.com/", "delivery.url: must be an http(s) URL, not ftp:"],
    ["https://user:pw@hooks.example.com/", "delivery.url: must not carry credentials"],
    ["https://token@hooks.example.com/", "delivery.url: must not carry credentials"],
    ["https://", 'delivery.url: "https://" is not a URL'],
  ])("%s is refused", (url, message) => {
    expect(refusal({ delivery: { url, secret } })).toStartWith(message);
  });

  test("http(s) URLs without credentials are kept as written", () => {
    for (const url of ["https://hooks.example.com/a?b=c", "http://10.0.0.5:8080/hook"]) {
      expect(refusal({ delivery: { url, secret } })).toBeNull();
      expect(applySettingsPatch(DEFAULT_QUEUE_SETTINGS, { delivery: { url, secret } }).delivery?.url).toBe(url);
    }
  });
});
