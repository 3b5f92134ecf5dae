import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Runs as a Bun macro (imported `with { type: "macro" }`): at `bun build --compile` time its
// result is inlined into the binary, and when running from source it runs as the module loads.
// Either way the browser code is bundled by `bun build` from src/console, so there is no build
// step on the VM and no build output in the repository.

export interface BundledFile {
  /** File name with its content hash, e.g. main-3fa9c2d1.js. */
  name: string;
  contentType: string;
  text: string;
}

const CONTENT_TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

/** Bundles src/console/main.tsx (and the CSS it imports) into hashed, minified files. */
export function bundleConsole(): BundledFile[] {
  const entry = join(import.meta.dir, "../../console/main.tsx");
  const out = mkdtempSync(join(tmpdir(), "millrace-console-"));
  try {
    // Bun.build may not run inside a macro while the bundler waits on it; the CLI may.
    const result = Bun.spawnSync(
      [
        process.execPath,
        "build",
        entry,
        "--minify",
        "--target=browser",
        "--outdir",
        out,
        "--entry-naming",
        "[name]-[hash].[ext]",
        "--asset-naming",
        "[name]-[hash].[ext]",
      ],
      { stderr: "pipe", stdout: "pipe" },
    );
    if (result.exitCode !== 0) throw new Error(`bundling the console failed: ${result.stderr.toString()}`);
    return readdirSync(out).map((name) => ({
      name,
      contentType: CONTENT_TYPES[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream",
      text: readFileSync(join(out, name), "utf8"),
    }));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
