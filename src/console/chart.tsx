import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import type { Sample } from "./history.ts";

/** Backlog over time (waiting, leased, dead), drawn with uPlot from the polled history. */
export function BacklogChart({
  samples,
  width,
  height,
  compact,
}: {
  samples: readonly Sample[];
  width: number;
  height: number;
  compact?: boolean;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data: uPlot.AlignedData = [
    samples.map((s) => s.at / 1000),
    samples.map((s) => s.ready),
    samples.map((s) => s.leased),
    samples.map((s) => s.dead),
  ];
  useEffect(() => {
    if (!host.current) return;
    const options: uPlot.Options = {
      width,
      height,
      legend: { show: !compact },
      cursor: { show: !compact },
      axes: compact ? [{ show: false }, { show: false }] : [{}, { size: 60 }],
      series: [
        {},
        { label: "waiting", stroke: "#1f5fbf", width: 2 },
        { label: "leased", stroke: "#7a4a00", width: 2 },
        { label: "dead", stroke: "#b00020", width: 2 },
      ],
    };
    plot.current = new uPlot(options, data, host.current);
    return () => plot.current?.destroy();
    // The plot is built once per size; data changes go through setData below.
  }, [width, height, compact]);
  useEffect(() => plot.current?.setData(data));
  return <div class="chart" ref={host} role="img" aria-label="backlog over time: waiting, leased and dead messages" />;
}
