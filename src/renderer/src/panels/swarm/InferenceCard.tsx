// The inference host the local agents think with: its model, backend and engine, sequences in use, memory, and whether a job holds the GPU.
import type { InferenceStatus } from '@shared/swarm';
import { formatBytes, formatNumber } from '../../format';
import { routeHref } from '../../router';

/** The lease holder's name while a pack installed from the dashboard calibrates (not a job: nothing to link to). */
const PACK_INSTALL = 'pack-install-';

const TONE: Record<InferenceStatus['state'], string> = {
  loading: 'warn',
  ready: 'good',
  paused: 'paused',
  stopped: 'idle',
  failed: 'bad',
};

export function InferenceCard({
  inference,
  pausedForJob,
}: {
  inference: InferenceStatus | null;
  pausedForJob: string | null;
}) {
  if (!inference) {
    return (
      <div className="card inference-card" data-testid="inference">
        <h3>Inference host</h3>
        <p className="muted">
          Not running: it starts with the first local agent. External agents bring their own model.
        </p>
        {pausedForJob && (
          <p className="tone-text-paused">
            The GPU is held by job <a href={routeHref('jobs', pausedForJob)}>{pausedForJob}</a>.
          </p>
        )}
      </div>
    );
  }
  const perAgent = Object.entries(inference.per_agent);
  return (
    <div className="card inference-card" data-testid="inference">
      <div className="row">
        <span className={`state-dot tone-${TONE[inference.state]}`} aria-hidden />
        <h3 className="grow">Inference host</h3>
        <span className={`tone-text-${TONE[inference.state]}`}>{inference.state}</span>
      </div>
      {pausedForJob && (
        <p className="inference-paused" role="status">
          {pausedForJob.startsWith(PACK_INSTALL) ? (
            <>
              Paused while the pack <span className="mono">{pausedForJob.slice(PACK_INSTALL.length)}</span> is
              calibrated: it measures this machine; agents wait.
            </>
          ) : (
            <>
              Paused for job{' '}
              <a href={routeHref('jobs', pausedForJob)} className="mono">
                {pausedForJob}
              </a>
              : the benchmark holds the GPU; agents wait.
            </>
          )}
        </p>
      )}
      <dl className="agent-figures">
        <dt>model</dt>
        <dd className="mono" title={inference.model}>
          {inference.model}
        </dd>
        <dt>backend</dt>
        <dd>
          {inference.backend}
          {inference.gpu && <span className="muted"> · {inference.gpu}</span>}
        </dd>
        {inference.engine && (
          <>
            <dt>engine</dt>
            <dd data-testid="inference-engine">
              {inference.engine}
              {inference.engine_note && <span className="muted"> · {inference.engine_note}</span>}
            </dd>
          </>
        )}
        <dt>sequences</dt>
        <dd>
          {inference.busy} of {inference.sequences} busy
          {inference.queued > 0 && <span className="tone-text-warn"> · {inference.queued} waiting</span>}
        </dd>
        <dt>memory</dt>
        <dd>
          {inference.rss_bytes !== null ? `${formatBytes(inference.rss_bytes)} RAM` : '—'}
          {inference.vram_bytes !== null && ` · ${formatBytes(inference.vram_bytes)} VRAM`}
        </dd>
      </dl>
      {inference.error && <p className="error-text">{inference.error}</p>}
      {perAgent.length > 0 && (
        <table className="table inference-agents">
          <thead>
            <tr>
              <th>agent</th>
              <th className="num">requests</th>
              <th className="num">tokens in / out</th>
              <th className="num">tok/s</th>
            </tr>
          </thead>
          <tbody>
            {perAgent.map(([id, f]) => (
              <tr key={id}>
                <td>
                  <a href={routeHref('agents', id)}>{id}</a>
                </td>
                <td className="num">{f.requests}</td>
                <td className="num">
                  {formatNumber(f.prompt_tokens, 0)} / {formatNumber(f.completion_tokens, 0)}
                </td>
                <td className="num">{f.tps === null ? '—' : formatNumber(f.tps)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
