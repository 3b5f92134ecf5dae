import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import type { RateSample, Sample } from "./history.ts";

interface Line {
  label: string;
  stroke: string;
}

/** A uPlot line chart, built once per size; new data goes through setData. */
function LineChart({
  data,
  lines,
  width,
  height,
  compact,
  label,
}: {
  data: uPlot.AlignedData;
  lines: readonly Line[];
  width: number;
  height: number;
  compact?: boolean;
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    if (!host.current) return;
    const options: uPlot.Options = {
      width,
      height,
      legend: { show: !compact },
      cursor: { show: !compact },
      axes: compact ? [{ show: false }, { show: false }] : [{}, { size: 60 }],
      series: [{}, ...lines.map((line) => ({ ...line, width: 2 }))],
    };
    plot.current = new uPlot(options, data, host.current);
    return () => plot.current?.destroy();
    // The plot is built once per size; data changes go through setData below.
  }, [width, height, compact]);
  useEffect(() => plot.current?.setData(data));
  return <div class="chart" ref={host} role="img" aria-label={label} />;
}

const BACKLOG: readonly Line[] = [
  { label: "waiting", stroke: "#1f5fbf" },
  { label: "leased", stroke: "#7a4a00" },
  { label: "dead", stroke: "#b00020" },
];

/** Backlog over time (waiting, leased, dead). */
export function BacklogChart(props: { samples: readonly Sample[]; width: number; height: number; compact?: boolean }) {
  const { samples } = props;
  const data: uPlot.AlignedData = [
    samples.map((s) => s.at / 1000),
    samples.map((s) => s.ready),
    samples.map((s) => s.leased),
    samples.map((s) => s.dead),
  ];
  return (
    <LineChart {...props} data={data} lines={BACKLOG} label="backlog over time: waiting, leased and dead messages" />
  );
}

const RATES: readonly Line[] = [
  { label: "published/s", stroke: "#1a7f37" },
  { label: "acked/s", stroke: "#6f42c1" },
];

/** Publish and ack rates over time, from the server's history. */
export function RateChart(props: { samples: readonly RateSample[]; width: number; height: number }) {
  const { samples } = props;
  const data: uPlot.AlignedData = [
    samples.map((s) => s.at / 1000),
    samples.map((s) => s.published),
    samples.map((s) => s.acked),
  ];
  return <LineChart {...props} data={data} lines={RATES} label="publish and ack rates over time, per second" />;
}
