// One swarm agent at a glance: who, which lever, its live state and current action, its confinement, tokens and jobs against its budgets.
import { demoText, type SwarmAgentStatus } from '@shared/swarm';
import { leverById } from '@shared/levers';
import { formatNumber } from '../../format';
import { routeHref } from '../../router';
import { useSwarm } from '../../stores/swarm-store';
import { Ago, useNow } from '../../components/Ago';
import { AgentControls } from './AgentControls';
import { SandboxBadge, SandboxPolicyDetails } from './AgentSandbox';
import { ACTIONS_IN, STATE_LABEL, STATE_TONE, actionElapsed } from './agent-state';

export function StateDot({ state }: { state: SwarmAgentStatus['state'] }) {
  return <span className={`state-dot tone-${STATE_TONE[state]}`} aria-hidden />;
}

/** What an agent with no current action is doing, in words. */
function idleAction(agent: SwarmAgentStatus): string {
  if (agent.state !== 'running') return '—';
  return agent.kind === 'external' ? 'running its command' : 'between steps';
}

/** What it does now and for how long ("waiting for the GPU · 2 min"), and how far, where the agent says. */
function ActionLine({ agent }: { agent: SwarmAgentStatus }) {
  const now = useNow(5000);
  return (
    <>
      <div className="agent-action" data-testid="agent-action">
        {agent.action ? (
          <>
            <span className="muted">now</span> {agent.action}
            {agent.since && (
              <span className="muted" data-testid="agent-action-since" title={`since ${agent.since}`}>
                {' '}
                · {actionElapsed(agent.since, now)}
              </span>
            )}
          </>
        ) : (
          <span className="muted">{idleAction(agent)}</span>
        )}
      </div>
      {agent.action && agent.progress && (
        <div className="agent-action muted" data-testid="agent-progress">
          {agent.progress}
        </div>
      )}
    </>
  );
}

/** The last thing it posted; text a generated demo model wrote carries a tag saying so (it is noise, not a finding). */
function LastMessage({ text }: { text: string }) {
  const { demo, text: words } = demoText(text);
  return (
    <p className="agent-last" title={text}>
      <span className="muted">last</span>{' '}
      {demo && (
        <span
          className="badge"
          data-testid="demo-text-tag"
          title="written by the demo's generated random-weight model: its words are noise, not a finding"
        >
          demo model text
        </span>
      )}{' '}
      {words}
    </p>
  );
}

function Meter({ used, limit }: { used: number; limit: number }) {
  const share = limit > 0 ? Math.min(1, used / limit) : 1;
  return (
    <div className={share >= 1 ? 'progress meter-full' : 'progress'}>
      <span style={{ width: `${Math.round(share * 100)}%` }} />
    </div>
  );
}

/** The capability probe it passed before it joined (or was forced past); each check in the tooltip. */
function ProbeLine({ probe }: { probe: NonNullable<SwarmAgentStatus['probe']> }) {
  const tone = probe.passed ? 'good' : 'warn';
  return (
    <div
      className={`agent-action tone-text-${tone}`}
      data-testid="agent-probe"
      title={probe.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`).join('\n') || undefined}
    >
      {probe.summary}
    </div>
  );
}

/** `onTracePage`: the card heads its own trace, so it links nowhere. */
export function AgentCard({
  agent,
  tps,
  onTracePage = false,
}: {
  agent: SwarmAgentStatus;
  tps: number | null;
  onTracePage?: boolean;
}) {
  const quota = useSwarm((s) => s.quotas[agent.agent_id]);
  const lever = leverById(agent.direction);
  return (
    <article
      className="card agent-card"
      data-testid="agent-card"
      data-agent={agent.agent_id}
      data-state={agent.state}
      aria-label={`Agent ${agent.agent_id}`}
    >
      <header className="agent-card-head">
        <StateDot state={agent.state} />
        {onTracePage ? (
          <span className="agent-id">{agent.agent_id}</span>
        ) : (
          <a href={routeHref('agents', agent.agent_id)} className="agent-id" title="Open the trace">
            {agent.agent_id}
          </a>
        )}
        <span className="badge">{agent.kind}</span>
        {agent.sandbox && <SandboxBadge policy={agent.sandbox} />}
        <span className="badge">{agent.role}</span>
        <span className="grow" />
        <span className={`agent-state tone-text-${STATE_TONE[agent.state]}`} data-testid="agent-state">
          {STATE_LABEL[agent.state]}
        </span>
      </header>
      <div className="agent-direction" title={lever?.hint}>
        <span className="muted">direction</span> <strong>{lever?.title ?? agent.direction}</strong>
      </div>
      <ActionLine agent={agent} />
      {agent.endpoint && (
        <div className="agent-command mono" data-testid="agent-endpoint" title={agent.endpoint}>
          thinks on {agent.endpoint} · {agent.model}
        </div>
      )}
      {agent.probe && <ProbeLine probe={agent.probe} />}
      {agent.command && (
        <div className="agent-command mono" title={agent.command}>
          $ {agent.command}
        </div>
      )}
      {agent.sandbox && <SandboxPolicyDetails policy={agent.sandbox} />}
      <dl className="agent-figures">
        <dt>tokens</dt>
        <dd>
          {formatNumber(agent.tokens_used, 0)}
          {agent.budget.tokens !== null && <span className="muted"> / {formatNumber(agent.budget.tokens, 0)}</span>}
          {agent.kind === 'external' && agent.tokens_used === 0 && (
            <span className="muted" title="an external agent's own model use is not visible to the swarm">
              {' '}
              (not counted)
            </span>
          )}
          {agent.budget.tokens !== null && <Meter used={agent.tokens_used} limit={agent.budget.tokens} />}
        </dd>
        <dt>jobs</dt>
        <dd data-testid="agent-jobs">
          {agent.jobs_submitted} submitted <span className="muted">· budget {agent.budget.jobs_per_day}/day</span>
          {quota && (
            <div className="muted" title={quota.next_slot_at ? `next slot ${quota.next_slot_at}` : undefined}>
              hub quota {quota.used} of {quota.limit} in {quota.window_hours} h
              <Meter used={quota.used} limit={quota.limit} />
            </div>
          )}
        </dd>
        <dt>steps</dt>
        <dd>
          {agent.steps}
          {tps !== null && <span className="muted"> · {formatNumber(tps)} tok/s</span>}
        </dd>
        <dt>restarts</dt>
        <dd className={agent.restarts > 0 ? 'tone-text-warn' : undefined}>{agent.restarts}</dd>
        <dt>started</dt>
        <dd>
          <Ago iso={agent.started_at} />
        </dd>
      </dl>
      {agent.last_message && <LastMessage text={agent.last_message} />}
      {agent.error && (
        <p className="error-text agent-error" title={agent.error}>
          {agent.error}
        </p>
      )}
      <footer className="agent-card-foot">
        <AgentControls agentId={agent.agent_id} actions={ACTIONS_IN[agent.state]} label={agent.agent_id} />
        {!onTracePage && (
          <a className="btn btn-small btn-quiet" href={routeHref('agents', agent.agent_id)}>
            Trace →
          </a>
        )}
      </footer>
    </article>
  );
}
