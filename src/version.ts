import packageJson from "../package.json";

// scripts/build-binary replaces these globals with --define; from source they are absent.
declare const MILLRACE_BUILD_VERSION: string | undefined;
declare const MILLRACE_BUILD_COMMIT: string | undefined;

export const VERSION: string =
  typeof MILLRACE_BUILD_VERSION === "string" ? MILLRACE_BUILD_VERSION : packageJson.version;
export const COMMIT: string = typeof MILLRACE_BUILD_COMMIT === "string" ? MILLRACE_BUILD_COMMIT : "source";
