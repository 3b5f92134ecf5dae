import { parseHostPort, type HostPort } from "./parsers.ts";
import { spec } from "./setting-spec.ts";

export const SQS_SETTINGS = {
  sqsListen: spec<HostPort | null>({
    env: "MILLRACE_SQS_LISTEN",
    flag: "--sqs-listen",
    doc: "host:port of the SQS-compatible listener (AWS SDKs, boto3, aws CLI; conventionally port 9324); unset turns it off",
    defaultText: "unset (off)",
    default: () => null,
    parse: parseHostPort,
  }),
  sqsPublicUrl: spec<string | null>({
    env: "MILLRACE_SQS_PUBLIC_URL",
    flag: "--sqs-public-url",
    doc: "base of the queue URLs the SQS listener hands out (e.g. https://sqs.example.com behind nginx); unset uses the Host the client sent",
    defaultText: "unset",
    default: () => null,
    parse: (raw) => {
      const text = raw.trim();
      if (!/^https?:\/\/[^/\s?#]+\/?$/.test(text)) {
        throw new Error("must be http(s)://host[:port] with no path, like https://sqs.example.com");
      }
      return text.replace(/\/$/, "");
    },
  }),
} as const;
