import { describe, expect, test } from "bun:test";
import { parseAddress } from "./address.ts";
import { parseCidrList } from "./cidr.ts";
import { classifyAddress, destinationVerdict, embeddedIpv4 } from "./ranges.ts";

const classify = (text: string) => classifyAddress(parseAddress(text)!);

describe("range classification", () => {
  test.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["169.254.169.254", "linkLocal"],
    ["fe80::1", "linkLocal"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.0.1", "private"],
    ["::ffff:192.168.0.1", "private"],
    ["100.64.0.1", "carrierGradeNat"],
    ["100.127.255.255", "carrierGradeNat"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["::", "unspecified"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.2.1", "reserved"],
    ["2001:db8::1", "reserved"],
    ["fc00::1", "uniqueLocal"],
    ["fd12:3456::1", "uniqueLocal"],
    ["2001::1", "teredo"],
    ["::7f00:1", "notGlobalUnicast"],
    ["64:ff9b:1::a00:1", "rfc6052"],
  ])("%s is %s", (address, range) => {
    expect(classify(address)).toBe(range);
  });

  test("ordinary unicast is public", () => {
    for (const address of ["8.8.8.8", "100.63.255.255", "100.128.0.0", "172.32.0.1", "2606:4700::1111"]) {
      expect(classify(address)).toBe("public");
    }
  });

  test("IPv6 that carries an IPv4 (NAT64, 6to4, IPv4-translated) is judged by that IPv4", () => {
    expect(embeddedIpv4(parseAddress("64:ff9b::7f00:1")!)?.toString()).toBe("127.0.0.1");
    expect(classify("64:ff9b::7f00:1")).toBe("loopback");
    expect(classify("64:ff9b::10.0.0.1")).toBe("private");
    expect(classify("64:ff9b::8.8.8.8")).toBe("public");
    expect(classify("2002:c0a8:0101::1")).toBe("private");
    expect(classify("2002:0808:0808::1")).toBe("public");
    expect(classify("::ffff:0:a9fe:a9fe")).toBe("linkLocal");
  });
});

describe("destination verdicts", () => {
  test("allow CIDRs open exactly their ranges, also through mapped and embedded spellings", () => {
    const allow = parseCidrList("127.0.0.1/32, fd00::/8");
    const verdict = (text: string) => destinationVerdict(parseAddress(text)!, allow);
    expect(verdict("127.0.0.1")).toEqual({ allowed: true, range: "loopback" });
    expect(verdict("::ffff:127.0.0.1").allowed).toBe(true);
    expect(verdict("64:ff9b::7f00:1").allowed).toBe(true);
    expect(verdict("127.0.0.2")).toEqual({ allowed: false, range: "loopback" });
    expect(verdict("fd00::5").allowed).toBe(true);
    expect(verdict("fc00::5")).toEqual({ allowed: false, range: "uniqueLocal" });
    expect(verdict("10.0.0.1")).toEqual({ allowed: false, range: "private" });
    expect(verdict("8.8.8.8")).toEqual({ allowed: true, range: "public" });
    expect(destinationVerdict(parseAddress("127.0.0.1")!, []).allowed).toBe(false);
  });
});
