import { describe, expect, test } from "bun:test";
import { anyCidrContains, parseCidr, parseCidrList } from "./cidr.ts";
import { isLoopbackHost, parseIp } from "./ip.ts";

describe("IP parsing", () => {
  test("IPv4, IPv6 with compression, and mapped IPv4", () => {
    expect([...parseIp("10.1.2.3")!]).toEqual([10, 1, 2, 3]);
    expect(parseIp("2001:db8::1")!.length).toBe(16);
    expect([...parseIp("::ffff:192.0.2.1")!]).toEqual([192, 0, 2, 1]);
    for (const bad of ["256.1.1.1", "1.2.3", "01.2.3.4", "1::2::3", "gggg::1", "1:2:3:4:5:6:7:8:9", ""]) {
      expect(parseIp(bad)).toBeNull();
    }
  });

  test("loopback hosts", () => {
    for (const host of ["127.0.0.1", "127.8.0.1", "::1", "localhost", "::ffff:127.0.0.1"]) {
      expect(isLoopbackHost(host)).toBe(true);
    }
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "example.com", "192.168.1.1"]) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });
});

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
  });

  test("bad entries are all reported with how to write one", () => {
    expect(() => parseCidr("10.0.0.0/33")).toThrow("bad prefix length");
    expect(() => parseCidrList("10.0.0.0/8, nonsense, 1.2.3.4/x")).toThrow(/"nonsense" is not a CIDR.*"1.2.3.4\/x"/);
    expect(parseCidrList("")).toEqual([]);
  });
});
