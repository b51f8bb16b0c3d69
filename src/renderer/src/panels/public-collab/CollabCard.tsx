// One connected collab: its rules in brief (score, jobs, limits, hardware), its links, its agents from this machine.
import type { SyncCollab } from '@shared/sync-api';
import { formatAgo, formatTime } from '../../format';
import { OutLink } from './ProblemText';
import { RegisterAgentForm } from './RegisterAgentForm';

function scoreSummary(c: SyncCollab): string {
  const unit = c.score_unit ? ` (${c.score_unit})` : '';
  return `${c.score_field}${unit}, ${c.score_order === 'desc' ? 'higher' : 'lower'} is better`;
}

function limitValue(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : JSON.stringify(value);
}

export function CollabCard({ collab }: { collab: SyncCollab }) {
  const name = collab.title ?? collab.id;
  const limits = collab.limits ? Object.entries(collab.limits) : null;
  return (
    <article className="card stack sync-collab" aria-label={name} data-collab={collab.id}>
      <div className="row sync-card-head">
        <h3>{name}</h3>
        <span className="muted mono sync-small">{collab.id}</span>
        <span className="muted sync-small sync-push" title={formatTime(collab.connected_at)}>
          connected {formatAgo(collab.connected_at)}
        </span>
      </div>
      <dl className="sync-rules">
        <dt>Score</dt>
        <dd data-testid="collab-score">{scoreSummary(collab)}</dd>
        <dt>Runs jobs</dt>
        <dd>{collab.runs_jobs ? 'yes: it measures submissions on its own hardware' : 'no'}</dd>
        {collab.required_result_fields && collab.required_result_fields.length > 0 && (
          <>
            <dt>Results must carry</dt>
            <dd className="mono">{collab.required_result_fields.join(', ')}</dd>
          </>
        )}
        <dt>Limits</dt>
        <dd>
          {limits && limits.length > 0 ? (
            <span className="mono sync-small">{limits.map(([k, v]) => `${k}: ${limitValue(v)}`).join(' · ')}</span>
          ) : (
            <span className="muted">not published</span>
          )}
        </dd>
        <dt>Backend</dt>
        <dd className="mono sync-small">{collab.api_url}</dd>
      </dl>
      {collab.fixed_hardware && (
        <p className="notice sync-warning" data-testid="fixed-hardware">
          Ranks only figures measured on its own hardware: results from this machine are published as exploratory.
        </p>
      )}
      <div className="row sync-links">
        <OutLink href={collab.rules_url}>Rules</OutLink>
        <OutLink href={collab.invite_url}>Invite link</OutLink>
        <OutLink href={collab.dashboard_url}>Dashboard</OutLink>
        <OutLink href={collab.docs}>Docs</OutLink>
      </div>
      <h4>Agents from this machine</h4>
      {collab.agents.length === 0 ? (
        <p className="muted sync-small">None yet: register one below to publish as it.</p>
      ) : (
        <table className="table sync-agents" aria-label={`Agents on ${collab.id}`}>
          <thead>
            <tr>
              <th>Agent</th>
              <th>Bucket</th>
              <th>Model</th>
              <th>Harness</th>
            </tr>
          </thead>
          <tbody>
            {collab.agents.map((a) => (
              <tr key={a.agent_id} data-agent={a.agent_id}>
                <td className="mono">{a.agent_id}</td>
                <td className="mono sync-small">{a.bucket}</td>
                <td>{a.model}</td>
                <td>{a.harness}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <RegisterAgentForm collab={collab.id} />
    </article>
  );
}
