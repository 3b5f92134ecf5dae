import { expect, test } from "bun:test";
import { parseQueryRequest, queryResponse } from "./query-protocol.ts";

test("flattened query parameters become the JSON protocol's shape", () => {
  const form = new URLSearchParams(
    "Action=SendMessageBatch&Version=2012-11-05&QueueUrl=u" +
      "&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=two" +
      "&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=one" +
      "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=kind" +
      "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=String" +
      "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=x",
  );
  expect(parseQueryRequest(form)).toEqual({
    action: "SendMessageBatch",
    params: {
      QueueUrl: "u",
      Entries: [
        { Id: "a", MessageBody: "one", MessageAttributes: { kind: { DataType: "String", StringValue: "x" } } },
        { Id: "b", MessageBody: "two" },
      ],
    },
  });
  const create = parseQueryRequest(
    new URLSearchParams(
      "Action=CreateQueue&QueueName=q&Attribute.1.Name=DelaySeconds&Attribute.1.Value=5&Tag.1.Key=t&Tag.1.Value=v",
    ),
  );
  expect(create.params).toEqual({ QueueName: "q", Attributes: { DelaySeconds: "5" }, tags: { t: "v" } });
  const receive = parseQueryRequest(
    new URLSearchParams("Action=ReceiveMessage&AttributeName.1=All&MessageAttributeName.1=a"),
  );
  expect(receive.params).toEqual({ AttributeNames: ["All"], MessageAttributeNames: ["a"] });
});

test("results render as the query protocol's XML, flattened lists and Name/Value maps, escaped", async () => {
  const response = queryResponse(
    "ReceiveMessage",
    {
      Messages: [
        {
          MessageId: "m1",
          Body: "<a & 'b'>\r\n",
          Attributes: { SentTimestamp: "1" },
          MessageAttributes: { k: { DataType: "String", StringValue: "v" } },
        },
      ],
    },
    "rid",
  );
  const xml = await response.text();
  expect(xml).toContain(
    "<ReceiveMessageResult><Message><MessageId>m1</MessageId><Body>&#60;a &#38; &#39;b&#39;&#62;&#13;\n</Body>" +
      "<Attribute><Name>SentTimestamp</Name><Value>1</Value></Attribute>" +
      "<MessageAttribute><Name>k</Name><Value><DataType>String</DataType><StringValue>v</StringValue></Value></MessageAttribute>" +
      "</Message></ReceiveMessageResult>",
  );
  const batch = await queryResponse(
    "DeleteMessageBatch",
    { Successful: [{ Id: "1" }], Failed: [{ Id: "2", SenderFault: true }] },
    "r",
  ).text();
  expect(batch).toContain(
    "<DeleteMessageBatchResultEntry><Id>1</Id></DeleteMessageBatchResultEntry><BatchResultErrorEntry><Id>2</Id><SenderFault>true</SenderFault></BatchResultErrorEntry>",
  );
});

test("names like __proto__ are plain entries: nothing reaches Object.prototype", () => {
  const parsed = parseQueryRequest(
    new URLSearchParams(
      "Action=SendMessage&__proto__.polluted=1&constructor.prototype.polluted=1" +
        "&MessageAttribute.1.Name=__proto__&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v",
    ),
  );
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  const attributes = parsed.params.MessageAttributes as Record<string, unknown>;
  expect(Object.keys(attributes)).toEqual(["__proto__"]);
});
