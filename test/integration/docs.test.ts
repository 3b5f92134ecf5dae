import { afterAll, beforeAll, expect, test } from "bun:test";
import { startApp, type RunningApp } from "../helpers/start-app.ts";

// /docs and /ui serve pages whose every asset comes from the binary, under hashed names with long
// cache lifetimes, and a CSP that names no other origin. Both are off by default.

let server: RunningApp;

beforeAll(async () => {
  server = await startApp({ MILLRACE_DOCS: "true", MILLRACE_UI: "true" });
});
afterAll(async () => server.stop());

for (const [path, prefix] of [
  ["/docs", "docs/assets/"],
  ["/ui", "ui/assets/"],
] as const) {
  test(`${path} loads only its own hashed assets, cached for a year, under a CSP without other origins`, async () => {
    const response = await fetch(`${server.url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toMatch(/https?:/);
    const html = await response.text();
    expect(html).not.toContain("<script>");
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)]
      .map((m) => m[1]!)
      .filter((u) => !u.startsWith("data:"));
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      // Relative, so it resolves under /docs or /ui behind any path prefix.
      expect(asset).toMatch(new RegExp(`^${prefix}[a-z0-9-]+-[a-z0-9]{8,}\\.(js|css)$`));
      const file = await fetch(`${server.url}/${asset}`);
      expect(file.status).toBe(200);
      expect(file.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect((await file.text()).length).toBeGreaterThan(100);
    }
    const missing = await fetch(`${server.url}/${prefix}nope.js`);
    expect(missing.status).toBe(404);
  });
}

test("both are 404 unless switched on", async () => {
  const off = await startApp();
  try {
    for (const path of ["/docs", "/ui", "/ui/assets/main.js", "/docs/assets/x.js"]) {
      const response = await fetch(`${off.url}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
  } finally {
    await off.stop();
  }
});
