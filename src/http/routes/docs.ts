import { errorResponse } from "../errors.ts";
import { defineRoute } from "../route.ts";

/** The docs UI page: Scalar's standalone viewer, reading the document relative to /docs. */
const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Millrace API</title>
  </head>
  <body>
    <script id="api-reference" data-url="openapi.json"></script>
    <script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.25.28/dist/browser/standalone.min.js" crossorigin></script>
  </body>
</html>
`;

/** GET /openapi.json always; GET /docs only when MILLRACE_DOCS=true. */
export function docsRoutes(document: () => unknown, docsEnabled: boolean) {
  let text: string | null = null;
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
      handle: () =>
        docsEnabled
          ? new Response(DOCS_PAGE, { headers: { "content-type": "text/html; charset=utf-8" } })
          : errorResponse(404, "not_found", "the docs UI is off; set MILLRACE_DOCS=true to serve it"),
    }),
  ];
}
