import { expect, test } from "bun:test";
import { DeliveryLedger } from "./delivery-ledger.ts";

// The fleet test trusts this ledger to catch a message held by two consumers at once: it must.

const at = (ms: number) => new Date(ms).toISOString();

test("a redelivery after the lease ran out is a duplicate, not a violation", () => {
  const ledger = new DeliveryLedger();
  ledger.received([{ id: "m", receipt: "r1", attempts: 1, leaseExpiresAt: at(1000) }], 500);
  ledger.received([{ id: "m", receipt: "r2", attempts: 2, leaseExpiresAt: at(3000) }], 1200);
  ledger.ackedOk("m", "r2");
  expect(ledger.violations).toEqual([]);
  expect([ledger.duplicates, ledger.deliveries("m"), ledger.wasAckedOk("m")]).toEqual([1, 2, true]);
});

test("a message leased again while its earlier lease runs is a violation", () => {
  const ledger = new DeliveryLedger();
  ledger.received([{ id: "m", receipt: "r1", attempts: 1, leaseExpiresAt: at(10_000) }], 500);
  ledger.received([{ id: "m", receipt: "r2", attempts: 2, leaseExpiresAt: at(12_000) }], 2000);
  expect(ledger.violations).toHaveLength(1);
  expect(ledger.violations[0]).toContain("while the lease of attempt 1 ran until");
});

test("a delivery after an ok ack, an ok ack of a superseded lease, and a repeated receipt are violations", () => {
  const ledger = new DeliveryLedger();
  ledger.received([{ id: "a", receipt: "r1", attempts: 1, leaseExpiresAt: at(1000) }], 500);
  ledger.ackedOk("a", "r1");
  ledger.received([{ id: "a", receipt: "r2", attempts: 2, leaseExpiresAt: at(3000) }], 2000);
  ledger.received([{ id: "b", receipt: "s1", attempts: 1, leaseExpiresAt: at(1000) }], 500);
  ledger.received([{ id: "b", receipt: "s2", attempts: 2, leaseExpiresAt: at(3000) }], 2000);
  ledger.ackedOk("b", "s1");
  ledger.received([{ id: "c", receipt: "t1", attempts: 1, leaseExpiresAt: at(1000) }], 500);
  ledger.received([{ id: "c", receipt: "t1", attempts: 1, leaseExpiresAt: at(3000) }], 2000);
  expect(ledger.violations.map((v) => v.split(":")[0])).toEqual(["a", "b", "c"]);
});

test("max in flight counts messages held at once", () => {
  const ledger = new DeliveryLedger();
  ledger.received([{ id: "a", receipt: "r", attempts: 1, leaseExpiresAt: at(1000) }], 0);
  ledger.received([{ id: "b", receipt: "r", attempts: 1, leaseExpiresAt: at(1000) }], 0);
  ledger.released(2);
  ledger.received([{ id: "c", receipt: "r", attempts: 1, leaseExpiresAt: at(1000) }], 0);
  expect(ledger.maxInFlight).toBe(2);
});
