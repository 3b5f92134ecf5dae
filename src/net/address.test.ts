import { describe, expect, test } from "bun:test";
import { isLoopbackHost, parseAddress, urlHost } from "./address.ts";

describe("addresses", () => {
  test("IPv4, IPv6 with compression, brackets and zones; mapped IPv4 becomes IPv4", () => {
    expect(parseAddress("10.1.2.3")?.toString()).toBe("10.1.2.3");
    expect(parseAddress("2001:db8::1")?.kind()).toBe("ipv6");
    expect(parseAddress("[2001:db8::1]")?.toString()).toBe("2001:db8::1");
    expect(parseAddress("fe80::1%eth0")?.kind()).toBe("ipv6");
    expect(parseAddress("::ffff:192.0.2.1")?.toString()).toBe("192.0.2.1");
    expect(parseAddress("[::ffff:7f00:1]")?.toString()).toBe("127.0.0.1");
  });

  test("only the usual spellings: no octal, hex, short or out-of-range IPv4, no malformed IPv6", () => {
    const bad = ["256.1.1.1", "1.2.3", "01.2.3.4", "0x7f.0.0.1", "2130706433", "1::2::3", "gggg::1"];
    for (const text of [...bad, "1:2:3:4:5:6:7:8:9", "", "example.com"]) expect(parseAddress(text)).toBeNull();
  });

  test("URL hosts bracket IPv6 and drop zones", () => {
    expect(urlHost(parseAddress("::1")!)).toBe("[0:0:0:0:0:0:0:1]");
    expect(urlHost(parseAddress("fe80::1%eth0")!)).toBe("[fe80:0:0:0:0:0:0:1]");
    expect(urlHost(parseAddress("192.0.2.1")!)).toBe("192.0.2.1");
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
