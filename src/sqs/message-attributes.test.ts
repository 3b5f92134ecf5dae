import { expect, test } from "bun:test";
import { attributesToHeaders, xrayToTraceparent } from "./message-attributes.ts";

test("an AWSTraceHeader becomes the message's traceparent, the same trace and parent", () => {
  expect(xrayToTraceparent("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")).toBe(
    "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01",
  );
  expect(xrayToTraceparent("Root=1-5759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8;Sampled=0")).toBe(
    "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-00",
  );
  // No parent, or not X-Ray at all: nothing to continue from.
  expect(xrayToTraceparent("Root=1-5759e988-bd862e3fe1be46a994272793")).toBeNull();
  expect(xrayToTraceparent("whatever")).toBeNull();
});

test("the header is kept as sent, and a traceparent attribute of the sender's own wins", () => {
  const trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
  expect(attributesToHeaders({}, trace)).toEqual({
    "sqs-aws-trace-header": trace,
    traceparent: "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01",
  });
  const own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  expect(attributesToHeaders({ traceparent: { DataType: "String", StringValue: own } }, trace).traceparent).toBe(own);
});
