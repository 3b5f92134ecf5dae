import { bundleConsole } from "./bundle-console.ts" with { type: "macro" };
import type { BundledFile } from "./bundle-console.ts";

/** The console's bundled files, inlined at build time (see bundle-console.ts). */
export const CONSOLE_FILES: readonly BundledFile[] = bundleConsole();
