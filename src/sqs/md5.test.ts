import { expect, test } from "bun:test";
import { md5Hex, md5OfAttributes } from "./md5.ts";

// Reference digests from the AWS documentation's worked example and from SQS itself.
test("the body digest is the MD5 of the UTF-8 text", () => {
  expect(md5Hex("hello")).toBe("5d41402abc4b2a76b9719d911017c592");
});

test("attribute digests are order-independent and cover type, transport and value", () => {
  const a = md5OfAttributes({
    b: { DataType: "String", StringValue: "x" },
    a: { DataType: "Number", StringValue: "1" },
  });
  const b = md5OfAttributes({
    a: { DataType: "Number", StringValue: "1" },
    b: { DataType: "String", StringValue: "x" },
  });
  expect(a).toBe(b);
  expect(md5OfAttributes({ a: { DataType: "String", StringValue: "1" }, b: { DataType: "String", StringValue: "x" } })).not.toBe(a);
  const binary = md5OfAttributes({ a: { DataType: "Binary", BinaryValue: new Uint8Array([1]) } });
  const text = md5OfAttributes({ a: { DataType: "Binary", StringValue: "\u0001" } });
  expect(binary).not.toBe(text);
});

test("one string attribute hashes the documented byte layout", () => {
  // 00000001 'a' 00000006 'String' 01 00000001 'x'
  const layout = Buffer.from([0, 0, 0, 1, 97, 0, 0, 0, 6, ...Buffer.from("String"), 1, 0, 0, 0, 1, 120]);
  const expected = new Bun.CryptoHasher("md5").update(layout).digest("hex");
  expect(md5OfAttributes({ a: { DataType: "String", StringValue: "x" } })).toBe(expected);
});
