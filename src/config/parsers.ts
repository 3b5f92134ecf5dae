import { isAbsolute, resolve } from "node:path";
import { parseCidrList, type Cidr } from "../net/cidr.ts";

// Parsers for setting values. Each returns the value or throws an Error whose message says how
// to fix it. Messages never repeat the raw value of a secret: callers pass secrets only to
// parsers that do not echo their input.

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(raw: string): HostPort {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(raw.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) throw new Error(`"${raw}" is not host:port; write it like 127.0.0.1:7411 or [::1]:7411`);
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port };
}

export function formatHostPort(value: HostPort): string {
  return value.host.includes(":") ? `[${value.host}]:${value.port}` : `${value.host}:${value.port}`;
}

export function integer(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const value = Number(raw.trim());
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new Error(`"${raw}" is not a whole number from ${min} to ${max}`);
    }
    return value;
  };
}

export function decimal(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const value = Number(raw.trim());
    if (!/^\d+(\.\d+)?$/.test(raw.trim()) || value < min || value > max) {
      throw new Error(`"${raw}" is not a number from ${min} to ${max}`);
    }
    return value;
  };
}

export function oneOf<T extends string>(...allowed: T[]): (raw: string) => T {
  return (raw) => {
    const value = raw.trim().toLowerCase();
    if (!(allowed as string[]).includes(value)) throw new Error(`"${raw}" is not one of ${allowed.join(", ")}`);
    return value as T;
  };
}

export function boolean(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(value)) return true;
  if (["false", "0", "no", "off"].includes(value)) return false;
  throw new Error(`"${raw}" is not a boolean; use true or false`);
}

export function path(raw: string): string {
  if (raw.trim() === "") throw new Error("is empty; give a file path");
  return isAbsolute(raw.trim()) ? raw.trim() : resolve(raw.trim());
}

export function nonEmpty(raw: string): string {
  if (raw.trim() === "") throw new Error("is empty; give a value or unset the variable");
  return raw.trim();
}

function list(raw: string): string[] {
  return raw
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

export function urlList(raw: string): string[] {
  const urls = list(raw);
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`"${url}" is not a URL; write it like https://idp.example.com/.well-known/jwks.json`);
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      throw new Error(`"${url}" must be an http(s) URL`);
    }
  }
  return urls;
}

/** Browser origins are scheme://host[:port] with nothing after; `*` allows every origin. */
export function originList(raw: string): string[] {
  const origins = list(raw);
  for (const origin of origins) {
    if (origin === "*") continue;
    if (!/^https?:\/\/[^/\s?#]+$/.test(origin)) {
      throw new Error(`"${origin}" is not an origin; write it like https://app.example.com (no path, no slash)`);
    }
  }
  return origins.map((origin) => origin.toLowerCase());
}

export function cidrList(raw: string): Cidr[] {
  return parseCidrList(raw);
}

/** HS256 needs at least 256 bits of key; says so without echoing the secret. */
export function jwtSecret(raw: string): string {
  const secret = raw.trim();
  if (Buffer.byteLength(secret) < 32) {
    throw new Error("is shorter than 32 bytes; generate one with `openssl rand -base64 48`");
  }
  return secret;
}
