// What a finished run measured: TPS and the plain target beside it, the paired speedup with its interval, each split,
// PPL, acceptance (per draft position too), identity, the probe, the hardware and the machine's state, and why
// speculation paid or not. An older output.json (flat figures, nothing paired) shows what it has.
import { formatNumber } from '../../format';
import { machineLines } from '../../facts';
import { formatSpeedup } from '../leaderboard/result-fields';
import type { JobOutputView, SplitView } from './job-output';

function Figure({
  label,
  value,
  title,
  testId,
}: {
  label: string;
  value: React.ReactNode;
  title?: string;
  testId?: string;
}) {
  return (
    <div className="job-figure" title={title} data-testid={testId}>
      <span className="muted">{label}</span>
      <strong>{value}</strong>
    </div>
  );
}

const pct = (x: number) => `${formatNumber(x * 100)}%`;
const n = (x: number | null, digits = 1) => (x === null ? '—' : formatNumber(x, digits));
const range = (ci: [number, number] | null, f: (x: number) => string = (x) => formatNumber(x)) =>
  ci ? `${f(ci[0])} – ${f(ci[1])}` : null;
const speedupText = (x: number | null) => (x === null ? '—' : formatSpeedup(x));

function SplitLine({ label, split }: { label: string; split: SplitView }) {
  return (
    <tr>
      <th scope="row">
        {label}
        {split.prompts !== null && <span className="muted"> ({split.prompts})</span>}
      </th>
      <td className="num">
        {n(split.tps)}
        {split.tps_ci && <div className="muted ci">{range(split.tps_ci)}</div>}
      </td>
      <td className="num">{n(split.plain_tps)}</td>
      <td className="num">
        {speedupText(split.speedup)}
        {split.speedup_ci && <div className="muted ci">{range(split.speedup_ci, formatSpeedup)}</div>}
      </td>
    </tr>
  );
}

export function JobFigures({ output }: { output: JobOutputView }) {
  const { splits } = output;
  const perRepeat =
    output.speedup_per_repeat.length > 0
      ? `paired speedup per repeat: ${output.speedup_per_repeat.map(formatSpeedup).join(', ')}`
      : undefined;
  return (
    <div className="stack">
      <div className="job-figures" data-testid="job-figures">
        <Figure
          label="TPS"
          value={n(output.tps)}
          title={
            output.tps_per_repeat.length
              ? `per repeat: ${output.tps_per_repeat.map((t) => formatNumber(t)).join(', ')}`
              : undefined
          }
        />
        <Figure label="95% interval" value={range(output.tps_ci) ?? '—'} />
        <Figure
          label="plain decoding"
          value={output.plain_tps === null ? '—' : `${formatNumber(output.plain_tps)}`}
          title="the plain target (no speculation) measured in the same run"
          testId="job-plain-tps"
        />
        <Figure
          label="speedup (paired)"
          testId="job-speedup"
          value={
            <>
              {speedupText(output.speedup)}
              {output.speedup_ci && (
                <small className="muted job-figure-ci"> {range(output.speedup_ci, formatSpeedup)}</small>
              )}
            </>
          }
          title={
            perRepeat ?? 'TPS over the plain target measured in the same run, repeat by repeat, with its 95% interval'
          }
        />
        <Figure
          label="repeats"
          value={output.repeats === null ? '—' : String(output.repeats)}
          title="paired repeats: more while the interval was wider than the noise target"
        />
        <Figure
          label="PPL"
          value={output.ppl === null ? '—' : formatNumber(output.ppl, 3)}
          title={output.ppl_tokens === null ? undefined : `${output.ppl_tokens} tokens`}
        />
        <Figure label="acceptance" value={output.acceptance === null ? '—' : pct(output.acceptance)} />
        {output.mean_accepted_per_step !== null && (
          <Figure label="accepted / step" value={formatNumber(output.mean_accepted_per_step, 2)} />
        )}
        <Figure
          label="identical"
          value={output.identical === null ? '—' : output.identical ? 'yes' : 'no'}
          title="the speculative run reproduced the plain target token for token"
        />
        {output.probe && <Figure label="probe" value={`${output.probe.correct}/${output.probe.total}`} />}
        <Figure label="backend" value={output.backend ?? '—'} title={output.engine ?? undefined} />
      </div>
      {(splits.public || splits.private) && (
        <table className="table job-splits" data-testid="job-splits">
          <thead>
            <tr>
              <th>Prompts</th>
              <th className="num">TPS</th>
              <th className="num">plain TPS</th>
              <th className="num">speedup (paired)</th>
            </tr>
          </thead>
          <tbody>
            {splits.public && <SplitLine label="public" split={splits.public} />}
            {splits.private && <SplitLine label="private" split={splits.private} />}
          </tbody>
        </table>
      )}
      {output.legacy && (
        <p className="muted job-legacy" data-testid="job-legacy">
          Measured before runs were paired: no plain target in the same run, so no speedup here.
        </p>
      )}
      <h3 className="job-subhead">Where it ran</h3>
      <dl className="facts job-machine" data-testid="job-machine">
        <div className="fact">
          <dt>Hardware</dt>
          <dd>{output.hardware ?? <span className="muted">not reported</span>}</dd>
        </div>
        {output.machine ? (
          machineLines(output.machine).map(([k, v]) => (
            <div key={k} className="fact">
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))
        ) : (
          <div className="fact">
            <dt>Machine</dt>
            <dd className="muted">not reported</dd>
          </div>
        )}
      </dl>
      {output.explanation && (
        <div className="explanation" data-testid="job-explanation">
          <h3>
            {output.speedup !== null && output.speedup < 1 ? 'Why speculation did not pay here' : 'Where the time went'}
          </h3>
          <p>{output.explanation}</p>
        </div>
      )}
      {output.acceptance_per_position.length > 0 && (
        <>
          <p className="muted acceptance-caption">Acceptance per draft position</p>
          <div className="acceptance-positions" aria-label="acceptance per draft position">
            {output.acceptance_per_position.map((a, i) => (
              <div key={i} className="acceptance-bar" title={`position ${i + 1}: ${pct(a)}`}>
                <span style={{ height: `${Math.round(Math.max(0, Math.min(1, a)) * 100)}%` }} />
                <small>{i + 1}</small>
              </div>
            ))}
          </div>
        </>
      )}
    </div>
  );
}
