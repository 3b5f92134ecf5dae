import { Type as t } from "@sinclair/typebox";
import { errorResponse } from "../errors.ts";
import { defineRoute } from "../route.ts";
import { assetResponse, pageResponse, type StaticAsset } from "../static/asset-response.ts";

const OFF = "the admin console is off; set MILLRACE_UI=true to serve it";
const AssetParams = t.Object({ file: t.String({ minLength: 1, maxLength: 128 }) });

interface ConsoleAssets {
  page: string;
  files: Map<string, StaticAsset>;
}

/**
 * GET /ui and its hashed assets, only when MILLRACE_UI=true. The page and assets are public (they
 * hold no data); everything the console shows comes from the v1 API with the credentials the
 * user enters, so it can do nothing the API would refuse those credentials.
 */
export function consoleRoutes(enabled: boolean) {
  let assets: ConsoleAssets | null = null;
  // Imported on first use, so a server with the console off never loads (or, from source, bundles) it.
  const load = async () => (assets ??= toAssets((await import("../static/console-assets.ts")).CONSOLE_FILES));
  return [
    defineRoute({
      method: "GET",
      path: "/ui",
      operationId: "console",
      summary: "The admin console",
      tag: "console",
      access: { public: true },
      hidden: true,
      responses: { 200: { description: "HTML", contentType: "text/html" } },
      handle: async () => (enabled ? pageResponse((await load()).page) : errorResponse(404, "not_found", OFF)),
    }),
    defineRoute({
      method: "GET",
      path: "/ui/assets/:file",
      operationId: "consoleAsset",
      summary: "A script or stylesheet of the admin console",
      tag: "console",
      access: { public: true },
      hidden: true,
      params: AssetParams,
      responses: { 200: { description: "the file", contentType: "text/" } },
      handle: async ({ params }) =>
        enabled ? assetResponse((await load()).files, params.file) : errorResponse(404, "not_found", OFF),
    }),
  ];
}

function toAssets(bundled: ReadonlyArray<{ name: string; contentType: string; text: string }>): ConsoleAssets {
  const files = new Map<string, StaticAsset>(
    bundled.map((file) => [file.name, { contentType: file.contentType, body: () => file.text }]),
  );
  const script = bundled.find((file) => file.name.endsWith(".js"))?.name;
  const styles = bundled.filter((file) => file.name.endsWith(".css")).map((file) => file.name);
  const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Millrace console</title>
    <link rel="icon" href="data:," />
${styles.map((name) => `    <link rel="stylesheet" href="ui/assets/${name}" />`).join("\n")}
    <script type="module" src="ui/assets/${script}"></script>
  </head>
  <body>
    <div id="app"></div>
  </body>
</html>
`;
  return { page, files };
}
