// One line for a job's run configuration: the levers it works and the settings it changes from the baseline.
import { useMemo } from 'react';
import { useJobs } from '../../stores/jobs-store';
import { baselineConfig, configSummary } from './run-config-fields';

/** Said where a job has no configuration: only a verification of a result published without one. */
export const NO_CONFIG_TITLE =
  'No run configuration: a verification of a result published by hand without one; there is nothing to re-run';

export function ConfigSummary({ config }: { config: Record<string, unknown> | null | undefined }) {
  const challenge = useJobs((s) => s.challenge);
  const { levers, changes } = useMemo(() => configSummary(config, baselineConfig(challenge)), [config, challenge]);
  if (config === null || typeof config !== 'object')
    return (
      <span className="muted" data-testid="no-config" title={NO_CONFIG_TITLE}>
        no config
      </span>
    );
  if (levers.length === 0 && changes.length === 0) return <span className="muted">baseline config</span>;
  return (
    <span className="config-summary" title={changes.join('\n')}>
      {levers.map((l) => (
        <span key={l} className="badge lever-chip">
          {l}
        </span>
      ))}
      <span className="mono muted config-changes">{changes.join(' ')}</span>
    </span>
  );
}
