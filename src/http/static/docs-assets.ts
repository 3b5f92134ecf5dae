import { readFileSync } from "node:fs";
import bundlePath from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import cssPath from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import { hashedName, type StaticAsset } from "./asset-response.ts";

// The docs UI (Swagger UI, from the swagger-ui-dist package: prebuilt, no dependencies of its own)
// embedded in the binary, so /docs works on an air-gapped VM and its CSP names no other origin.

/** Started from a file of ours: the strict CSP allows no inline script. */
const INIT = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: new URL("openapi.json", location.href).href, dom_id: "#docs", deepLinking: true });
});
`;

export interface DocsAssets {
  page: string;
  files: Map<string, StaticAsset>;
}

/** Reads the embedded files once, on the first request for /docs. */
export function loadDocsAssets(): DocsAssets {
  const bundle = readFileSync(bundlePath);
  const css = readFileSync(cssPath);
  const names = {
    bundle: hashedName("swagger-ui-bundle.js", bundle),
    css: hashedName("swagger-ui.css", css),
    init: hashedName("docs-init.js", INIT),
  };
  const files = new Map<string, StaticAsset>([
    [names.bundle, { contentType: "text/javascript; charset=utf-8", body: () => new Blob([bundle]) }],
    [names.css, { contentType: "text/css; charset=utf-8", body: () => new Blob([css]) }],
    [names.init, { contentType: "text/javascript; charset=utf-8", body: () => INIT }],
  ]);
  const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Millrace API</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="docs/assets/${names.css}" />
  </head>
  <body>
    <div id="docs"></div>
    <script src="docs/assets/${names.bundle}"></script>
    <script src="docs/assets/${names.init}"></script>
  </body>
</html>
`;
  return { page, files };
}
