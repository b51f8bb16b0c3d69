// The score over time, hand-drawn in SVG: every result with its interval, the running best, the baseline; hover and open.
import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { formatAgo, formatTime } from '../../format';
import { compactNumber, linearScale, niceDomain, timeTicks, valueTicks } from './chart-scale';
import {
  better,
  formatInterval,
  formatScore,
  formatSpeedup,
  isoOf,
  reasonText,
  scoreLabel,
  unrankedReason,
  type RankContext,
  type ResultPoint,
  type Scoring,
} from './result-fields';

interface ScoreChartProps {
  points: ResultPoint[];
  scoring: Scoring;
  /** What decides which points the running best counts (the table's own rules). */
  ctx: RankContext;
  baseline: { filename: string; score: number } | null;
  /** Results whose interval overlaps the leader's. */
  ties: ReadonlySet<string>;
  leader: string | null;
  onOpen(filename: string): void;
}

const HEIGHT = 280;
const MARGIN = { top: 18, right: 18, bottom: 34, left: 62 };

/** Follows the container's width, so the chart fills the card at any window size. */
function useWidth(ref: React.RefObject<HTMLDivElement | null>): number {
  const [width, setWidth] = useState(720);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth || 720);
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.round(entry.contentRect.width));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

/** The y range: every score and the baseline; intervals too, unless one is so wide it would flatten everything else. */
function valueDomain(points: ResultPoint[], baseline: number | null): [number, number] {
  const values = points.map((p) => p.score);
  if (baseline !== null) values.push(baseline);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const span = hi - lo || Math.abs(hi) * 0.2 || 1;
  for (const p of points) {
    if (!p.ci) continue;
    if (p.ci[0] >= lo - span * 0.5) lo = Math.min(lo, p.ci[0]);
    if (p.ci[1] <= hi + span * 0.5) hi = Math.max(hi, p.ci[1]);
  }
  // Scores are positive by rule: an interval reaching below zero (two noisy repeats) is cut at the axis.
  if (values.every((v) => v >= 0)) lo = Math.max(0, lo);
  const [d0, d1] = niceDomain(lo, hi);
  return [lo >= 0 ? Math.max(0, d0) : d0, d1];
}

export function ScoreChart({ points, scoring, ctx, baseline, ties, leader, onOpen }: ScoreChartProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const width = Math.max(useWidth(boxRef), 320);
  const [hovered, setHovered] = useState<string | null>(null);
  const label = scoreLabel(scoring.score_field);

  const layout = useMemo(() => {
    const sorted = [...points].sort((a, b) => a.time - b.time);
    const t0 = sorted[0]?.time ?? Date.now();
    const t1 = sorted.at(-1)?.time ?? t0;
    const tPad = t1 > t0 ? (t1 - t0) * 0.04 : 60_000;
    const x = linearScale([t0 - tPad, t1 + tPad], [MARGIN.left, width - MARGIN.right]);
    const yDomain = valueDomain(sorted, baseline?.score ?? null);
    const y = linearScale(yDomain, [HEIGHT - MARGIN.bottom, MARGIN.top]);

    // The running best counts what the table would rank: agent-run results under the cap.
    let best: number | null = null;
    let path = '';
    for (const p of sorted) {
      if (unrankedReason(p, ctx) !== null) continue;
      if (best === null) {
        best = p.score;
        path = `M${x(p.time)},${y(best)}`;
      } else if (better(p.score, best, scoring.order)) {
        path += `H${x(p.time)}V${y(p.score)}`;
        best = p.score;
      }
    }
    if (path) path += `H${width - MARGIN.right}`;
    return {
      sorted,
      x,
      y,
      bestPath: path,
      xTicks: timeTicks(x.domain[0], x.domain[1], Math.max(2, Math.floor((width - 100) / 110))),
      yTicks: valueTicks(yDomain[0], yDomain[1], 5),
    };
  }, [points, baseline, ctx, scoring.order, width]);

  const { sorted, x, y, bestPath, xTicks, yTicks } = layout;
  const plotRight = width - MARGIN.right;
  const plotBottom = HEIGHT - MARGIN.bottom;
  const hoveredPoint = sorted.find((p) => p.filename === hovered) ?? null;

  return (
    <div className="score-chart" ref={boxRef}>
      <svg
        width={width}
        height={HEIGHT}
        viewBox={`0 0 ${width} ${HEIGHT}`}
        role="img"
        aria-label={`${label} over time: ${sorted.length} results`}
        data-testid="score-chart"
      >
        <defs>
          <clipPath id="score-chart-plot">
            <rect x={MARGIN.left} y={MARGIN.top} width={plotRight - MARGIN.left} height={plotBottom - MARGIN.top} />
          </clipPath>
        </defs>
        <g className="chart-grid" aria-hidden>
          {yTicks.map((v) => (
            <g key={`y${v}`}>
              <line x1={MARGIN.left} x2={plotRight} y1={y(v)} y2={y(v)} />
              <text className="chart-tick" x={MARGIN.left - 8} y={y(v)} textAnchor="end" dominantBaseline="middle">
                {compactNumber(v)}
              </text>
            </g>
          ))}
          {xTicks.map((t) => (
            <g key={`x${t.at}`}>
              <line className="chart-grid-x" x1={x(t.at)} x2={x(t.at)} y1={MARGIN.top} y2={plotBottom} />
              <text
                className="chart-tick"
                x={x(t.at)}
                y={plotBottom + 18}
                textAnchor="middle"
                data-testid="chart-x-tick"
              >
                {t.label}
              </text>
            </g>
          ))}
          <line className="chart-axis" x1={MARGIN.left} x2={plotRight} y1={plotBottom} y2={plotBottom} />
          <text
            className="chart-axis-label"
            x={14}
            y={MARGIN.top + (plotBottom - MARGIN.top) / 2}
            textAnchor="middle"
            transform={`rotate(-90 14 ${MARGIN.top + (plotBottom - MARGIN.top) / 2})`}
          >
            {label}
          </text>
        </g>

        <g clipPath="url(#score-chart-plot)">
          {baseline && (
            <g data-testid="baseline-line" className="chart-baseline">
              <line x1={MARGIN.left} x2={plotRight} y1={y(baseline.score)} y2={y(baseline.score)} />
              <text x={plotRight - 6} y={y(baseline.score) - 6} textAnchor="end">
                baseline {formatScore(baseline.score)}
              </text>
            </g>
          )}
          {bestPath && <path className="chart-running-best" d={bestPath} data-testid="running-best" />}
          {sorted.map(
            (p) =>
              p.ci && (
                <g
                  key={`ci-${p.filename}`}
                  className={`interval-bar interval-${p.verification}`}
                  data-testid="interval-bar"
                  data-filename={p.filename}
                >
                  <line x1={x(p.time)} x2={x(p.time)} y1={y(p.ci[0])} y2={y(p.ci[1])} />
                  <line x1={x(p.time) - 4} x2={x(p.time) + 4} y1={y(p.ci[0])} y2={y(p.ci[0])} />
                  <line x1={x(p.time) - 4} x2={x(p.time) + 4} y1={y(p.ci[1])} y2={y(p.ci[1])} />
                </g>
              ),
          )}
          {sorted.map((p) => {
            const reason = unrankedReason(p, ctx);
            const unranked = reason && reasonText(reason);
            const tie = ties.has(p.filename);
            const cx = x(p.time);
            const cy = y(p.score);
            const classes = [
              'chart-point',
              `point-${p.verification}`,
              unranked ? 'point-unranked' : '',
              tie ? 'point-tie' : '',
              p.filename === leader ? 'point-leader' : '',
            ]
              .filter(Boolean)
              .join(' ');
            return (
              <g
                key={p.filename}
                className={classes}
                data-testid="chart-point"
                data-filename={p.filename}
                data-verification={p.verification}
                data-tie={tie ? 'true' : undefined}
                role="link"
                tabIndex={0}
                aria-label={`${p.agent}: ${formatScore(p.score)} ${label}${tie ? ', tie with the leader' : ''}${unranked ? `, not ranked (${unranked})` : ''}, ${formatTime(isoOf(p.time))}`}
                onMouseEnter={() => setHovered(p.filename)}
                onMouseLeave={() => setHovered((h) => (h === p.filename ? null : h))}
                onFocus={() => setHovered(p.filename)}
                onBlur={() => setHovered((h) => (h === p.filename ? null : h))}
                onClick={() => onOpen(p.filename)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onOpen(p.filename);
                  }
                }}
              >
                {(tie || p.filename === leader) && <circle className="point-ring" cx={cx} cy={cy} r={9} />}
                <circle className="point-dot" cx={cx} cy={cy} r={5} />
                {/* A wider invisible target: small dots are hard to hit. */}
                <circle className="point-hit" cx={cx} cy={cy} r={11} />
              </g>
            );
          })}
        </g>
      </svg>
      {hoveredPoint && (
        <ChartTooltip
          point={hoveredPoint}
          label={label}
          tie={ties.has(hoveredPoint.filename)}
          left={x(hoveredPoint.time)}
          top={y(hoveredPoint.score)}
          width={width}
          ctx={ctx}
          guardrailField={scoring.guardrail_field}
        />
      )}
    </div>
  );
}

function ChartTooltip({
  point,
  label,
  tie,
  left,
  top,
  width,
  ctx,
  guardrailField,
}: {
  point: ResultPoint;
  label: string;
  tie: boolean;
  left: number;
  top: number;
  width: number;
  ctx: RankContext;
  guardrailField: string | null;
}) {
  const reason = unrankedReason(point, ctx);
  const unranked = reason && reasonText(reason);
  // Keep it inside the card: flip below near the top, shift in near the edges.
  const below = top < 110;
  const x = Math.min(Math.max(left, 120), width - 120);
  return (
    <div
      className={`chart-tooltip ${below ? 'below' : 'above'}`}
      style={{ left: x, top }}
      role="tooltip"
      data-testid="chart-tooltip"
    >
      <strong>{point.agent}</strong>
      <div>
        {formatScore(point.score)} {label}
        {tie && <span className="badge badge-tie">≈ tie</span>}
      </div>
      {point.ci && <div className="muted">95% CI {formatInterval(point.ci)}</div>}
      {point.guardrail !== null && guardrailField && (
        <div className="muted">
          {guardrailField.toUpperCase()} {formatScore(point.guardrail)}
        </div>
      )}
      {point.speedup !== null && (
        <div className="muted">{formatSpeedup(point.speedup)} over plain decoding (paired)</div>
      )}
      {point.method && <div className="muted chart-tooltip-method">{point.method}</div>}
      <div className="muted">
        {formatTime(isoOf(point.time))} · {formatAgo(isoOf(point.time))}
      </div>
      {unranked && <div className="chart-tooltip-note">not ranked: {unranked}</div>}
    </div>
  );
}
