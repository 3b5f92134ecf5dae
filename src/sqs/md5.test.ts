import { expect, test } from "bun:test";
import { md5Hex, md5OfAttributes } from "./md5.ts";

test("the body digest is the MD5 of the UTF-8 text", () => {
  expect(md5Hex("hello")).toBe("5d41402abc4b2a76b9719d911017c592");
});

// Digests SQS itself returns for these attributes (the SellerName one is the example of the SQS
// developer guide), so a layout mistake here breaks clients that verify MD5OfMessageAttributes.
test("attribute digests match the ones SQS returns", () => {
  expect(md5OfAttributes({ SellerName: { DataType: "String", StringValue: "Example Store" } })).toBe(
    "cd28f3b68aeee4b2eac9c66f2f694b58",
  );
  expect(
    md5OfAttributes({
      ordinal: { DataType: "Number", StringValue: "1" },
      category: { DataType: "String", StringValue: "test" },
    }),
  ).toBe("d21ae90c49061e927f57df5f5d72be1f");
});

test("binary attributes hash the bytes with transport type 2", () => {
  const layout = Buffer.from([0, 0, 0, 1, 97, 0, 0, 0, 6, ...Buffer.from("Binary"), 2, 0, 0, 0, 2, 0xff, 0x00]);
  const expected = new Bun.CryptoHasher("md5").update(layout).digest("hex");
  expect(md5OfAttributes({ a: { DataType: "Binary", BinaryValue: new Uint8Array([0xff, 0]) } })).toBe(expected);
});
