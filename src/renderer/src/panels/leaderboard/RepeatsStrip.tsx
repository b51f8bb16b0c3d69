// The repeated runs behind a score, one dot each over its 95% interval: how much of the score is noise.
import { formatScore } from './result-fields';

const WIDTH = 320;
const HEIGHT = 44;
const PAD = 12;

export function RepeatsStrip({
  values,
  score,
  ci,
  format = formatScore,
  testId = 'repeats',
}: {
  values: number[];
  score: number;
  ci: [number, number] | null;
  format?: (x: number) => string;
  testId?: string;
}) {
  // The interval of two runs can be far wider than the runs themselves; the strip stays on the runs.
  const lo = Math.min(...values, score);
  const hi = Math.max(...values, score);
  const span = hi - lo || Math.abs(hi) * 0.1 || 1;
  const d0 = lo - span * 0.25;
  const d1 = hi + span * 0.25;
  const x = (v: number) => PAD + ((Math.min(Math.max(v, d0), d1) - d0) / (d1 - d0)) * (WIDTH - 2 * PAD);
  return (
    <div className="repeats" data-testid={testId}>
      <svg
        width="100%"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`${values.length} repeats: ${values.map(format).join(', ')}`}
      >
        {ci && (
          <rect
            className="repeats-ci"
            x={x(ci[0])}
            width={Math.max(2, x(ci[1]) - x(ci[0]))}
            y={8}
            height={HEIGHT - 16}
          />
        )}
        <line className="repeats-score" x1={x(score)} x2={x(score)} y1={4} y2={HEIGHT - 4} />
        {values.map((v, i) => (
          <circle key={i} className="repeats-dot" cx={x(v)} cy={HEIGHT / 2} r={4} />
        ))}
      </svg>
      <div className="muted repeats-values">{values.map(format).join(' · ')}</div>
    </div>
  );
}
