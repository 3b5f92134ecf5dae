// Regenerates the configuration table in README.md from src/config/schema.ts:
//   node_modules/.bin/bun scripts/config-table.ts
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withConfigTable } from "../src/config/readme-table.ts";

const path = join(import.meta.dir, "..", "README.md");
writeFileSync(path, withConfigTable(readFileSync(path, "utf8")));
// prettier pads the columns; the check compares cells, so either form passes.
console.log("README.md configuration table updated; run node_modules/.bin/prettier --write README.md");
