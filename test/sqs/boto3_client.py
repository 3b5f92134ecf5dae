"""Debian's python3-boto3 (query protocol) against Millrace's SQS listener.

Usage: python3 boto3_client.py <endpoint> <access key id> <secret>
Prints one line per check; exits non-zero at the first failure.
"""

import json
import sys

import boto3

endpoint, key_id, secret = sys.argv[1:4]
sqs = boto3.client(
    "sqs",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id=key_id,
    aws_secret_access_key=secret,
)


def check(label, condition):
    if not condition:
        print(f"FAIL {label}")
        sys.exit(1)
    print(f"ok {label}")


url = sqs.create_queue(QueueName="py-jobs", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
check("create_queue returns a queue URL", url.endswith("/000000000000/py-jobs"))
sent = sqs.send_message(
    QueueUrl=url,
    MessageBody="hello from boto3",
    MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}},
)
got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"], WaitTimeSeconds=5)
messages = got.get("Messages", [])
check("receive_message returns the message", len(messages) == 1 and messages[0]["Body"] == "hello from boto3")
check("message attributes come back", messages[0]["MessageAttributes"]["kind"]["StringValue"] == "greeting")
check("MD5 of attributes matches the send's", messages[0]["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"])
sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
check("the queue is empty after delete_message", "Messages" not in sqs.receive_message(QueueUrl=url))

batch = sqs.send_message_batch(
    QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": "2"}]
)
check("send_message_batch succeeds per entry", sorted(e["Id"] for e in batch["Successful"]) == ["a", "b"])
got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
deleted = sqs.delete_message_batch(
    QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
)
check("delete_message_batch deletes both", len(deleted["Successful"]) == 2)

fifo = sqs.create_queue(
    QueueName="py-orders.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
)["QueueUrl"]
for body in ["1", "2", "3", "1"]:
    sqs.send_message(QueueUrl=fifo, MessageBody=body, MessageGroupId="g")
order = []
while True:
    batch = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10).get("Messages", [])
    if not batch:
        break
    for m in batch:
        order.append(m["Body"])
        sqs.delete_message(QueueUrl=fifo, ReceiptHandle=m["ReceiptHandle"])
check("FIFO keeps group order and drops the duplicate", order == ["1", "2", "3"])

dlq = sqs.create_queue(QueueName="py-dlq")["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})
work = sqs.create_queue(QueueName="py-work", Attributes={"RedrivePolicy": policy})["QueueUrl"]
attrs = sqs.get_queue_attributes(QueueUrl=work, AttributeNames=["RedrivePolicy"])["Attributes"]
check("the redrive policy reads back", json.loads(attrs["RedrivePolicy"]) == json.loads(policy))
check("the DLQ lists its source", sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [work])
sqs.send_message(QueueUrl=work, MessageBody="poison")
m = sqs.receive_message(QueueUrl=work)["Messages"][0]
sqs.change_message_visibility(QueueUrl=work, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
check("after maxReceiveCount the message leaves its queue", "Messages" not in sqs.receive_message(QueueUrl=work))
dead = []
while not dead:
    dead = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=20).get("Messages", [])
check("the dead-letter queue receives it", dead[0]["Body"] == "poison")
try:
    sqs.get_queue_url(QueueName="py-missing")
    check("a missing queue raises QueueDoesNotExist", False)
except sqs.exceptions.QueueDoesNotExist:
    check("a missing queue raises QueueDoesNotExist", True)
print("boto3 done")
