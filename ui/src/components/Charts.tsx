// Small hand-drawn SVG charts (no chart library): bars over time and a sparkline. They scale to their box
// and read their colours from CSS, so both themes work.

import type { Bucket } from "../api/types";

/** Overlapping bars per bucket: dials behind, connects, then successes in front. Labels are HTML (an SVG
 * stretched to its box would stretch its text too). */
export function BarSeries({
  buckets,
  height = 120,
  label,
  format,
}: {
  buckets: Bucket[];
  height?: number;
  label: string;
  /** Bucket start → axis label. */
  format(at: string): string;
}) {
  const w = 600;
  const max = Math.max(1, ...buckets.map((b) => b.dials));
  const n = Math.max(1, buckets.length);
  const slot = w / n;
  const bar = Math.max(2, slot * 0.62);
  const y = (v: number) => height - (v / max) * (height - 6);
  const ticks = [0, Math.floor((n - 1) / 2), n - 1].filter((i, j, a) => a.indexOf(i) === j && buckets[i]);
  return (
    <div className="chart-box">
      <span className="chart-max tabular">{max}</span>
      <svg className="chart" viewBox={`0 0 ${w} ${height}`} preserveAspectRatio="none" role="img" aria-label={label} style={{ height }}>
        <line className="chart-grid" x1={0} x2={w} y1={6} y2={6} />
        <line className="chart-axis" x1={0} x2={w} y1={height - 0.5} y2={height - 0.5} />
        {buckets.map((b) => {
          const i = buckets.indexOf(b);
          const x = i * slot + (slot - bar) / 2;
          return (
            <g key={b.at}>
              <title>{`${format(b.at)}: ${b.dials} dials, ${b.connects} connects, ${b.successes} successes`}</title>
              <rect className="chart-dials" x={x} width={bar} y={y(b.dials)} height={height - y(b.dials)} />
              <rect className="chart-connects" x={x} width={bar} y={y(b.connects)} height={height - y(b.connects)} />
              <rect className="chart-successes" x={x} width={bar} y={y(b.successes)} height={height - y(b.successes)} />
            </g>
          );
        })}
      </svg>
      <div className="chart-ticks">
        {ticks.map((i) => (
          <span key={i}>{format(buckets[i]?.at ?? "")}</span>
        ))}
      </div>
    </div>
  );
}

/** A line of values, for a KPI tile. */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const w = 120;
  const h = 28;
  if (values.length < 2) return <svg className="spark" viewBox={`0 0 ${w} ${h}`} aria-label={label} role="img" />;
  const max = Math.max(1, ...values);
  const pts = values.map((v, i) => `${((i / (values.length - 1)) * w).toFixed(1)},${(h - 2 - (v / max) * (h - 4)).toFixed(1)}`);
  return (
    <svg className="spark" viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" role="img" aria-label={label}>
      <polyline className="spark-area" points={`0,${h} ${pts.join(" ")} ${w},${h}`} />
      <polyline className="spark-line" points={pts.join(" ")} />
    </svg>
  );
}

/** One horizontal bar split by share, with a legend. */
export function ShareBar({ parts }: { parts: { key: string; label: string; value: number }[] }) {
  const total = parts.reduce((n, p) => n + p.value, 0);
  return (
    <div className="share">
      <div className="share-bar" role="img" aria-label={parts.map((p) => `${p.label} ${p.value}`).join(", ")}>
        {total > 0 &&
          parts.map((p) =>
            p.value > 0 ? <span key={p.key} className={`share-seg seg-${p.key}`} style={{ flexGrow: p.value }} title={`${p.label}: ${p.value}`} /> : null,
          )}
      </div>
      <ul className="share-legend">
        {parts.map((p) => (
          <li key={p.key}>
            <span className={`share-dot seg-${p.key}`} aria-hidden="true" />
            {p.label} <span className="tabular muted">{p.value.toLocaleString()}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
