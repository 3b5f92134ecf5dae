import { describe, expect, test } from "bun:test";
import { SETTINGS } from "./schema.ts";
import { editDistance, unknownVariables } from "./unknown-variables.ts";

describe("unknownVariables", () => {
  test("a misspelled setting is reported with the nearest name", () => {
    expect(unknownVariables({ MILLRACE_LISTNE: "127.0.0.1:1" })).toEqual([
      "MILLRACE_LISTNE: is not a Millrace setting and is ignored; did you mean MILLRACE_LISTEN?",
    ]);
    expect(unknownVariables({ MILLRACE_JWT_SECRT_FILE: "/s" })[0]).toContain("did you mean MILLRACE_JWT_SECRET_FILE?");
    expect(unknownVariables({ MILLRACE_DATADIR: "/d" })[0]).toContain("did you mean MILLRACE_DATA_DIR?");
  });

  test("a name far from every setting gets no guess", () => {
    expect(unknownVariables({ MILLRACE_FROBNICATE_EVERYTHING: "1" })).toEqual([
      "MILLRACE_FROBNICATE_EVERYTHING: is not a Millrace setting and is ignored; see `millrace serve --help` for the settings",
    ]);
  });

  test("settings, their _FILE forms, and variables read by the CLI, scripts and tests are not reported", () => {
    const env: Record<string, string> = {
      PATH: "/bin",
      MILLRACEX: "not ours",
      MILLRACE_URL: "http://x",
      MILLRACE_TOKEN: "t",
      MILLRACE_ROOT: "/src",
      MILLRACE_TEST_STORE: "sqlite",
      MILLRACE_VERSION: "1.0.0",
    };
    for (const setting of Object.values(SETTINGS)) {
      env[setting.env] = "x";
      env[`${setting.env}_FILE`] = "/x";
    }
    expect(unknownVariables(env)).toEqual([]);
  });

  test("edit distance counts a swap of two letters once", () => {
    expect(editDistance("LISTNE", "LISTEN")).toBe(1);
    expect(editDistance("abc", "abc")).toBe(0);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
});
