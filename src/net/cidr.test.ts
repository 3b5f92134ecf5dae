import { describe, expect, test } from "bun:test";
import { anyCidrContains, parseCidr, parseCidrList } from "./cidr.ts";

describe("CIDRs", () => {
  test("membership by prefix, per family", () => {
    const cidrs = parseCidrList("10.0.0.0/8, 192.168.1.7, fd00::/8");
    expect(anyCidrContains(cidrs, "10.200.3.4")).toBe(true);
    expect(anyCidrContains(cidrs, "11.0.0.1")).toBe(false);
    expect(anyCidrContains(cidrs, "192.168.1.7")).toBe(true);
    expect(anyCidrContains(cidrs, "192.168.1.8")).toBe(false);
    expect(anyCidrContains(cidrs, "fd12::1")).toBe(true);
    expect(anyCidrContains(cidrs, "fe80::1")).toBe(false);
    expect(anyCidrContains(cidrs, "::ffff:10.9.9.9")).toBe(true);
    expect(anyCidrContains(cidrs, "not an ip")).toBe(false);
    expect(anyCidrContains(parseCidrList("172.16.0.0/12"), "172.31.255.255")).toBe(true);
    expect(anyCidrContains(parseCidrList("172.16.0.0/12"), "172.32.0.0")).toBe(false);
    expect(anyCidrContains(parseCidrList("0.0.0.0/0"), "8.8.8.8")).toBe(true);
    expect(anyCidrContains(parseCidrList("0.0.0.0/0"), "2001:db8::1")).toBe(false);
    expect(anyCidrContains(parseCidrList("::ffff:10.0.0.0/104"), "10.1.1.1")).toBe(true);
    expect(anyCidrContains(parseCidrList("::ffff:10.0.0.0/104"), "11.1.1.1")).toBe(false);
  });

  test("bad entries are all reported with how to write one", () => {
    expect(() => parseCidr("10.0.0.0/33")).toThrow("bad prefix length; use /0 to /32");
    expect(() => parseCidr("::ffff:10.0.0.0/129")).toThrow("use /0 to /128");
    expect(() => parseCidr("10/8")).toThrow("is not a CIDR");
    expect(() => parseCidrList("10.0.0.0/8, nonsense, 1.2.3.4/x")).toThrow(/"nonsense" is not a CIDR.*"1.2.3.4\/x"/);
    expect(parseCidrList("")).toEqual([]);
  });
});
