import { Type as t } from "@sinclair/typebox";
import { errorResponse } from "../errors.ts";
import { defineRoute } from "../route.ts";
import { assetResponse, pageResponse } from "../static/asset-response.ts";
import type { DocsAssets } from "../static/docs-assets.ts";

const OFF = "the docs UI is off; set MILLRACE_DOCS=true to serve it";
const AssetParams = t.Object({ file: t.String({ minLength: 1, maxLength: 128 }) });

/** GET /openapi.json always; GET /docs and its assets (served from the binary) only when MILLRACE_DOCS=true. */
export function docsRoutes(document: () => unknown, docsEnabled: boolean) {
  let text: string | null = null;
  let assets: DocsAssets | null = null;
  // Loaded on first use: a server with the docs off never reads the 1.5 MB bundle.
  const docsAssets = async () => (assets ??= (await import("../static/docs-assets.ts")).loadDocsAssets());
  return [
    defineRoute({
      method: "GET",
      path: "/openapi.json",
      operationId: "openApiDocument",
      summary: "This document",
      tag: "docs",
      access: { public: true },
      hidden: true,
      responses: { 200: { description: "the OpenAPI document" } },
      handle: () => {
        text ??= JSON.stringify(document());
        return new Response(text, { headers: { "content-type": "application/json" } });
      },
    }),
    defineRoute({
      method: "GET",
      path: "/docs",
      operationId: "docs",
      summary: "The docs UI",
      tag: "docs",
      access: { public: true },
      hidden: true,
      responses: { 200: { description: "HTML", contentType: "text/html" } },
      handle: async () =>
        docsEnabled ? pageResponse((await docsAssets()).page) : errorResponse(404, "not_found", OFF),
    }),
    defineRoute({
      method: "GET",
      path: "/docs/assets/:file",
      operationId: "docsAsset",
      summary: "A script or stylesheet of the docs UI",
      tag: "docs",
      access: { public: true },
      hidden: true,
      params: AssetParams,
      responses: { 200: { description: "the file", contentType: "text/" } },
      handle: async ({ params }) =>
        docsEnabled ? assetResponse((await docsAssets()).files, params.file) : errorResponse(404, "not_found", OFF),
    }),
  ];
}
