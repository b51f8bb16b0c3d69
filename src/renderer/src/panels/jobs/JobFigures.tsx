// What a finished run measured: TPS with its interval, PPL, acceptance (per draft position too), identity, the probe.
import type { JobRunOutput } from '../../../../shared/challenge';
import { formatNumber } from '../../format';

function Figure({ label, value, title }: { label: string; value: React.ReactNode; title?: string }) {
  return (
    <div className="job-figure" title={title}>
      <span className="muted">{label}</span>
      <strong>{value}</strong>
    </div>
  );
}

const pct = (x: number) => `${formatNumber(x * 100)}%`;

export function JobFigures({ output }: { output: JobRunOutput }) {
  return (
    <div className="stack">
      <div className="job-figures" data-testid="job-figures">
        <Figure label="TPS" value={formatNumber(output.tps)} title={`per repeat: ${output.tps_per_repeat.map((t) => formatNumber(t)).join(', ')}`} />
        <Figure label="95% interval" value={`${formatNumber(output.tps_ci[0])} – ${formatNumber(output.tps_ci[1])}`} />
        {output.tps_public !== null && <Figure label="public prompts" value={formatNumber(output.tps_public)} />}
        {output.tps_private !== null && <Figure label="private prompts" value={formatNumber(output.tps_private)} />}
        <Figure label="PPL" value={output.ppl === null ? '—' : formatNumber(output.ppl, 3)} title={`${output.ppl_tokens} tokens`} />
        <Figure label="acceptance" value={output.acceptance === null ? '—' : pct(output.acceptance)} />
        {output.mean_accepted_per_step !== null && <Figure label="accepted / step" value={formatNumber(output.mean_accepted_per_step, 2)} />}
        <Figure label="identical" value={output.identical === null ? '—' : output.identical ? 'yes' : 'no'} title="the speculative run reproduced the plain target token for token" />
        {output.probe && <Figure label="probe" value={`${output.probe.correct}/${output.probe.total}`} />}
        <Figure label="backend" value={output.backend} title={output.engine} />
      </div>
      {output.acceptance_per_position.length > 0 && (
        <>
          <p className="muted acceptance-caption">Acceptance per draft position</p>
          <div className="acceptance-positions" aria-label="acceptance per draft position">
            {output.acceptance_per_position.map((a, i) => (
              <div key={i} className="acceptance-bar" title={`position ${i + 1}: ${pct(a)}`}>
                <span style={{ height: `${Math.round(a * 100)}%` }} />
                <small>{i + 1}</small>
              </div>
            ))}
          </div>
        </>
      )}
    </div>
  );
}
