import { errorResponse } from "../errors.ts";

/** A file served from the binary under a name that carries its content hash. */
export interface StaticAsset {
  contentType: string;
  body: () => Blob | string;
}

/** The name changes whenever the content does, so caches may keep it for a year. */
const IMMUTABLE = "public, max-age=31536000, immutable";

export function assetResponse(assets: ReadonlyMap<string, StaticAsset>, name: string): Response {
  const asset = assets.get(name);
  if (!asset) return errorResponse(404, "not_found", `no asset named ${name}; reload the page to get current names`);
  return new Response(asset.body(), { headers: { "content-type": asset.contentType, "cache-control": IMMUTABLE } });
}

/** An HTML page that names the hashed assets; revalidated on every load so it never points at stale ones. */
export function pageResponse(html: string): Response {
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" } });
}

/** `base-<first 10 hex of the content's hash>.ext`. */
export function hashedName(file: string, content: string | Uint8Array): string {
  const dot = file.lastIndexOf(".");
  const hash = new Bun.CryptoHasher("sha256").update(content).digest("hex").slice(0, 10);
  return `${file.slice(0, dot)}-${hash}${file.slice(dot)}`;
}
