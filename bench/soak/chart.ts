// An SVG of the soak's samples: one small panel per series, time on the x axis, so a slow climb
// (a leak of memory, descriptors or time) shows as a slope rather than hiding in one number.

export interface Series {
  title: string;
  unit: string;
  values: number[];
}

const WIDTH = 900;
const PANEL_HEIGHT = 150;
const MARGIN = { left: 70, right: 20, top: 28, bottom: 22 };

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function format(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function panel(series: Series, times: number[], top: number): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const finite = series.values.filter(Number.isFinite);
  const max = Math.max(1e-9, ...finite) * 1.1;
  const lastTime = Math.max(1, times.at(-1) ?? 1);
  const x = (t: number) => MARGIN.left + (t / lastTime) * plotWidth;
  const y = (v: number) => top + MARGIN.top + plotHeight - (v / max) * plotHeight;
  const points = series.values
    .map((v, i) => (Number.isFinite(v) ? `${x(times[i]!).toFixed(1)},${y(v).toFixed(1)}` : null))
    .filter((p) => p !== null)
    .join(" ");
  const ticks = [0, 0.5, 1]
    .map(
      (f) =>
        `<text x="${MARGIN.left - 6}" y="${(y(max * f) + 4).toFixed(1)}" text-anchor="end">${format(max * f)}</text>` +
        `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(max * f).toFixed(1)}" y2="${y(max * f).toFixed(1)}" stroke="#ddd"/>`,
    )
    .join("");
  const minutes = Math.floor(lastTime / 60);
  const xTicks = Array.from({ length: minutes + 1 }, (_, m) => m)
    .filter((m) => minutes <= 12 || m % 5 === 0)
    .map((m) => `<text x="${x(m * 60).toFixed(1)}" y="${top + PANEL_HEIGHT - 6}" text-anchor="middle">${m}m</text>`)
    .join("");
  const stats =
    finite.length > 0
      ? `min ${format(Math.min(...finite))}, median ${format(finite.slice().sort((a, b) => a - b)[Math.floor(finite.length / 2)]!)}, max ${format(Math.max(...finite))}`
      : "no samples";
  return (
    `<text x="${MARGIN.left}" y="${top + 18}" font-weight="bold">${escape(series.title)} (${escape(series.unit)})</text>` +
    `<text x="${WIDTH - MARGIN.right}" y="${top + 18}" text-anchor="end" fill="#555">${escape(stats)}</text>` +
    ticks +
    xTicks +
    `<polyline fill="none" stroke="#1f6feb" stroke-width="1.5" points="${points}"/>`
  );
}

export function renderChart(title: string, times: number[], series: Series[]): string {
  const height = 30 + series.length * PANEL_HEIGHT;
  const panels = series.map((s, i) => panel(s, times, 30 + i * PANEL_HEIGHT)).join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escape(title)}</text>
${panels}
</svg>
`;
}

/** Least-squares slope of `values` over `times`, per minute: the trend the README quotes. */
export function slopePerMinute(times: number[], values: number[]): number {
  const n = times.length;
  if (n < 2) return 0;
  const mt = times.reduce((a, b) => a + b, 0) / n;
  const mv = values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (times[i]! - mt) * (values[i]! - mv);
    den += (times[i]! - mt) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60;
}
