// Duration and bytes per run as two small bar charts in inline SVG: no chart library, colours
// from CSS classes so the chart follows the light/dark theme. Oldest run on the left.
import { escapeHtml } from "@kitajs/html";
import { durationSeconds, formatBytes, formatDuration, formatUtc } from "./format.tsx";
import type { RunProps } from "./types.ts";

const W = 600;
const H = 140;
const PAD_L = 84;
const PAD_B = 18;
const PAD_T = 10;
/** Every run gets a visible bar: a failure after 0.2 s must not vanish beside a 2-hour run. */
const MIN_BAR = 5;

interface Series {
  title: string;
  id: string;
  value: (r: RunProps) => number | null;
  label: (v: number) => string;
}

const SERIES: Series[] = [
  { title: "Duration", id: "chart-duration", value: (r) => durationSeconds(r.started_at, r.completed_at), label: formatDuration },
  { title: "Data transferred", id: "chart-bytes", value: (r) => (r.status === "pending" ? null : r.bytes_transferred), label: formatBytes },
];

/** `numbers[i]` is runs[i]'s number within its job (the nth run), shown instead of the global id. */
function BarChart(props: { runs: RunProps[]; numbers: number[]; series: Series }) {
  const { runs, series } = props;
  const values = runs.map(series.value);
  const max = Math.max(0, ...values.map((v) => v ?? 0));
  const plotW = W - PAD_L - 8;
  const plotH = H - PAD_T - PAD_B;
  const slot = plotW / Math.max(runs.length, 1);
  const barW = Math.max(2, Math.min(36, slot * 0.7));
  const first = runs[0]?.started_at ?? null;
  const last = runs.length > 1 ? (runs[runs.length - 1]!.started_at ?? null) : null;
  const firstText: string = first ? formatUtc(first) : "";
  const lastText: string = last ? formatUtc(last) : "";
  return (
    <figure class="chart" id={series.id}>
      <figcaption class="small muted" safe>
        {series.title}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${series.title} per run, oldest first`} class="chart-svg">
        <line class="chart-axis" x1={String(PAD_L)} y1={String(PAD_T + plotH)} x2={String(W - 4)} y2={String(PAD_T + plotH)} />
        <line class="chart-grid" x1={String(PAD_L)} y1={String(PAD_T)} x2={String(W - 4)} y2={String(PAD_T)} />
        <text class="chart-label" x={String(PAD_L - 6)} y={String(PAD_T + 4)} text-anchor="end" safe>
          {series.label(max)}
        </text>
        <text class="chart-label" x={String(PAD_L - 6)} y={String(PAD_T + plotH)} text-anchor="end">
          0
        </text>
        {runs.map((r, i) => {
          const v = values[i];
          const x = PAD_L + i * slot + (slot - barW) / 2;
          // A run that never started (or failed before it moved anything) still gets its bar.
          const h = v === null ? (r.status === "failed" ? MIN_BAR : 0) : max === 0 ? MIN_BAR : Math.max(MIN_BAR, (v / max) * plotH);
          const suffix = `${r.kind && r.kind !== "backup" ? ` · ${r.kind}` : ""} · ${r.status}${r.status === "failed" && r.error_message ? `: ${r.error_message.slice(0, 120)}` : ""} · ${v === null ? "–" : series.label(v)}`;
          return (
            <g>
              <rect
                class={`chart-bar chart-${r.status}`}
                x={x.toFixed(1)}
                y={(PAD_T + plotH - h).toFixed(1)}
                width={barW.toFixed(1)}
                height={h.toFixed(1)}
                data-run-id={String(r.id)}
                data-kind={r.kind}
              >
                {/* Same time format as the table (public/js/live.js renders data-local-time). */}
                <title data-local-time={r.started_at ? "" : undefined} data-datetime={r.started_at ?? undefined} data-prefix={`Run #${props.numbers[i]} · `} data-suffix={escapeHtml(suffix)} safe>
                  {`Run #${props.numbers[i]} · ${formatUtc(r.started_at)}${suffix}`}
                </title>
              </rect>
              {v === null ? (
                <text class="chart-label" x={(x + barW / 2).toFixed(1)} y={String(PAD_T + plotH - 3)} text-anchor="middle">
                  ·
                </text>
              ) : (
                ""
              )}
            </g>
          );
        })}
        <text class="chart-label" x={String(PAD_L)} y={String(H - 4)} data-local-time={first ? "" : undefined} data-datetime={first ?? undefined} safe>
          {firstText}
        </text>
        <text class="chart-label" x={String(W - 4)} y={String(H - 4)} text-anchor="end" data-local-time={last ? "" : undefined} data-datetime={last ?? undefined} safe>
          {lastText}
        </text>
      </svg>
    </figure>
  );
}

/** `runs` newest first, as the API lists them; `firstNumber` is the newest one's number within its job. */
export function RunChart(props: { runs: RunProps[]; firstNumber: number }) {
  const runs = [...props.runs].reverse();
  if (runs.length === 0) return "";
  const numbers = runs.map((_, i) => props.firstNumber - (runs.length - 1 - i));
  return (
    <div class="charts">
      {SERIES.map((s) => (
        <BarChart runs={runs} numbers={numbers} series={s} />
      ))}
      <p class="chart-legend small muted">
        <span class="legend-dot chart-completed"></span> completed <span class="legend-dot chart-failed"></span> failed <span class="legend-dot chart-cancelled"></span> cancelled{" "}
        <span class="legend-dot chart-running"></span> running
        {runs.some((r) => r.kind !== "backup") ? " · pale bars: restore and verify runs" : ""}
      </p>
    </div>
  );
}
