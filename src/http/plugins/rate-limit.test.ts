import { expect, test } from "bun:test";
import { clientIp } from "./client-ip.ts";
import { TokenBucketLimiter } from "./rate-limit.ts";
import { parseCidrList } from "../../net/cidr.ts";

test("a bucket allows its burst, then refills at the rate", () => {
  let now = 0;
  const limiter = new TokenBucketLimiter(2, 3, () => now);
  expect([1, 2, 3, 4].map(() => limiter.take("a").allowed)).toEqual([true, true, true, false]);
  const refused = limiter.take("a");
  expect(refused).toMatchObject({ allowed: false, limit: 3, remaining: 0, retryAfterSeconds: 1 });
  expect(limiter.take("b").allowed).toBe(true);
  now += 500;
  expect(limiter.take("a").allowed).toBe(true);
  expect(limiter.take("a").allowed).toBe(false);
  now += 10_000;
  const full = limiter.take("a");
  expect(full).toMatchObject({ allowed: true, remaining: 2, resetSeconds: 1 });
});

test("burst 0 means one second's worth of the rate", () => {
  expect(new TokenBucketLimiter(50, 0).burst).toBe(50);
  expect(new TokenBucketLimiter(0.5, 0).burst).toBe(1);
});

test("X-Forwarded-For is believed only from trusted proxies, right to left", () => {
  const trusted = parseCidrList("10.0.0.0/8");
  expect(clientIp("203.0.113.9", "1.2.3.4", trusted)).toBe("203.0.113.9");
  expect(clientIp("10.0.0.5", "1.2.3.4", trusted)).toBe("1.2.3.4");
  expect(clientIp("10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.9", trusted)).toBe("1.2.3.4");
  expect(clientIp("10.0.0.5", null, trusted)).toBe("10.0.0.5");
  expect(clientIp("10.0.0.5", "1.2.3.4", [])).toBe("10.0.0.5");
});
