import { SETTINGS } from "./schema.ts";

export const TABLE_START =
  "<!-- config-table:start (generated from src/config/schema.ts by scripts/config-table.ts) -->";
export const TABLE_END = "<!-- config-table:end -->";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** The README's configuration table, one row per setting, in schema order. */
export function configTable(): string {
  const rows = Object.values(SETTINGS).map((s) => {
    const unit = "unit" in s && s.unit ? ` (${s.unit})` : "";
    const secret = "secret" in s && s.secret ? " Secret: also from `_FILE` or a systemd credential." : "";
    return `| \`${s.env}\` | \`${s.flag}\` | ${cell(s.doc)}${unit}.${secret} | ${cell(s.defaultText)} |`;
  });
  return ["| variable | flag | meaning | default |", "|---|---|---|---|", ...rows].join("\n");
}

/** README text with the table between its markers replaced by the generated one. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${TABLE_START} … ${TABLE_END}`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${configTable()}\n${readme.slice(end)}`;
}

/** The table's rows as trimmed cells, so prettier's column padding does not matter. */
export function tableCells(markdown: string): string[][] {
  return markdown
    .split("\n")
    .filter((line) => line.startsWith("|") && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

/** The table currently between the README's markers. */
export function readmeTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${TABLE_START} … ${TABLE_END}`);
  return readme.slice(start + TABLE_START.length, end);
}
