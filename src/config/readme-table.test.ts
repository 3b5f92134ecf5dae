import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SETTINGS } from "./schema.ts";
import { configTable, readmeTable, tableCells } from "./readme-table.ts";

const readme = readFileSync(join(import.meta.dir, "../../README.md"), "utf8");

test("the README's configuration table is the one generated from the schema (run scripts/config-table.ts)", () => {
  expect(tableCells(readmeTable(readme))).toEqual(tableCells(configTable()));
});

test("every setting appears in the table with its default", () => {
  const table = configTable();
  for (const setting of Object.values(SETTINGS)) {
    expect(table).toContain(`| \`${setting.env}\` |`);
  }
  expect(readme).toContain("## Configuration");
});
