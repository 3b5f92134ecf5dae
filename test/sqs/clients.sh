#!/bin/sh
# Runs Debian's python3-boto3 and awscli (both speak SQS's query protocol) against a running
# Millrace SQS listener. Installs them with apt-get when missing and fails loudly if it cannot.
#   SQS_ENDPOINT=http://127.0.0.1:9324 AWS_ACCESS_KEY_ID=MRAK… AWS_SECRET_ACCESS_KEY=… test/sqs/clients.sh
set -eu
here=$(dirname "$0")
: "${SQS_ENDPOINT:?set SQS_ENDPOINT to the SQS listener URL}"
: "${AWS_ACCESS_KEY_ID:?}" "${AWS_SECRET_ACCESS_KEY:?}"

if ! /usr/bin/python3 -c 'import boto3' 2>/dev/null || [ ! -x /usr/bin/aws ]; then
  echo "installing python3-boto3 and awscli from Debian" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo -n"; fi
  $sudo apt-get update >&2 || { echo "FAIL: apt-get update failed; install python3-boto3 and awscli by hand" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y python3-boto3 awscli >&2 ||
    { echo "FAIL: apt-get install python3-boto3 awscli failed" >&2; exit 1; }
fi

# Debian's interpreters, not a pyenv or pip copy that may speak the JSON protocol.
/usr/bin/python3 "$here/boto3_client.py" "$SQS_ENDPOINT" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"

export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
aws() { /usr/bin/aws sqs --endpoint-url "$SQS_ENDPOINT" --output json "$@"; }
fail() { echo "FAIL $1" >&2; exit 1; }

url=$(aws create-queue --queue-name cli-jobs --query QueueUrl --output text)
case "$url" in */000000000000/cli-jobs) echo "ok aws create-queue" ;; *) fail "create-queue gave $url" ;; esac
aws send-message --queue-url "$url" --message-body "hello from the aws cli" >/dev/null
got=$(aws receive-message --queue-url "$url" --wait-time-seconds 5 --query 'Messages[0].[Body,ReceiptHandle]' --output text)
body=$(printf '%s' "$got" | cut -f1)
handle=$(printf '%s' "$got" | cut -f2)
[ "$body" = "hello from the aws cli" ] || fail "receive-message gave $body"
echo "ok aws send-message / receive-message"
# Visibility 0 makes it visible again at once; the new receipt is the one that deletes it.
aws change-message-visibility --queue-url "$url" --receipt-handle "$handle" --visibility-timeout 0
handle=$(aws receive-message --queue-url "$url" --query 'Messages[0].ReceiptHandle' --output text)
[ "$handle" = "None" ] && fail "change-message-visibility 0 did not make the message visible"
aws delete-message --queue-url "$url" --receipt-handle "$handle"
left=$(aws get-queue-attributes --queue-url "$url" --attribute-names ApproximateNumberOfMessages ApproximateNumberOfMessagesNotVisible --query 'Attributes' --output text)
[ "$left" = "0	0" ] || fail "queue not empty after delete-message: $left"
echo "ok aws delete-message"

fifo=$(aws create-queue --queue-name cli-orders.fifo --attributes FifoQueue=true,ContentBasedDeduplication=true --query QueueUrl --output text)
for n in 1 2 1; do aws send-message --queue-url "$fifo" --message-body "$n" --message-group-id g >/dev/null; done
count=$(aws get-queue-attributes --queue-url "$fifo" --attribute-names ApproximateNumberOfMessages --query 'Attributes.ApproximateNumberOfMessages' --output text)
[ "$count" = "2" ] || fail "FIFO dedup: $count messages, expected 2"
first=$(aws receive-message --queue-url "$fifo" --max-number-of-messages 10 --query 'Messages[].Body' --output text)
[ "$first" = "1" ] || fail "FIFO order: got '$first' while message 1 is in flight"
echo "ok aws FIFO order and deduplication"

dlq_arn=$(aws create-queue --queue-name cli-dlq --query QueueUrl --output text | xargs -I{} /usr/bin/aws sqs --endpoint-url "$SQS_ENDPOINT" get-queue-attributes --queue-url {} --attribute-names QueueArn --query Attributes.QueueArn --output text)
work=$(aws create-queue --queue-name cli-work --query QueueUrl --output text)
aws set-queue-attributes --queue-url "$work" --attributes "{\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"$dlq_arn\\\",\\\"maxReceiveCount\\\":\\\"3\\\"}\"}"
policy=$(aws get-queue-attributes --queue-url "$work" --attribute-names RedrivePolicy --query Attributes.RedrivePolicy --output text)
case "$policy" in *'"maxReceiveCount":3'*"$dlq_arn"*|*"$dlq_arn"*'"maxReceiveCount":3'*) echo "ok aws redrive policy" ;; *) fail "redrive policy reads back as $policy" ;; esac
echo "clients done"
