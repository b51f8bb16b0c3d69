// The Agents panel: every swarm agent live (state, action, tokens, jobs), the inference host, agents per lever, controls, spawn, traces.
import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { SwarmAction } from '@shared/swarm';
import { EmptyState, ErrorNotice } from '../../components/Notice';
import { useIsOrganizer } from '../../stores/session-store';
import { useSwarm } from '../../stores/swarm-store';
import { AgentCard } from './AgentCard';
import { AgentControls } from './AgentControls';
import { isAlive, STATE_LABEL } from './agent-state';
import { InferenceCard } from './InferenceCard';
import { LeverSummary } from './LeverSummary';
import { SpawnForm } from './SpawnForm';
import { TraceViewer } from './TraceViewer';
import './agents.css';

const SWARM_ACTIONS_SHOWN: SwarmAction[] = ['start', 'pause', 'resume', 'stop'];

function AgentsOverview() {
  const organizer = useIsOrganizer();
  const { status, error, agents, inference, pausedForJob, levers, load } = useSwarm(
    useShallow((s) => ({
      status: s.status,
      error: s.error,
      agents: s.agents,
      inference: s.inference,
      pausedForJob: s.pausedForJob,
      levers: s.levers,
      load: s.load,
    })),
  );
  const [spawning, setSpawning] = useState(false);
  const spawnButton = useRef<HTMLButtonElement>(null);
  const closeSpawn = () => {
    setSpawning(false);
    spawnButton.current?.focus();
  };

  const counts = new Map<string, number>();
  for (const a of agents) counts.set(STATE_LABEL[a.state], (counts.get(STATE_LABEL[a.state]) ?? 0) + 1);
  const live = agents.filter((a) => isAlive(a.state)).length;

  return (
    <section className="panel agents-panel" aria-label="Agents">
      <div className="panel-header">
        <div className="row">
          <h1>Agents</h1>
          <span className="muted" data-testid="agent-counts">
            {agents.length === 0 ? 'none yet' : [...counts].map(([label, n]) => `${n} ${label}`).join(' · ')}
          </span>
        </div>
        <div className="panel-actions">
          {agents.length > 0 && <AgentControls agentId={null} actions={SWARM_ACTIONS_SHOWN} label="the whole swarm" />}
          <button
            ref={spawnButton}
            className="btn btn-primary"
            disabled={!organizer}
            title={organizer ? 'Start new agents' : 'sign in as organizer to spawn agents'}
            onClick={() => setSpawning((v) => !v)}
            aria-expanded={spawning}
          >
            Spawn agents
          </button>
        </div>
      </div>
      {spawning && organizer && <SpawnForm onClose={closeSpawn} />}
      {error && <ErrorNotice error={error} onRetry={() => void load()} />}
      {status === 'loading' && agents.length === 0 && <p className="muted">Reading the swarm…</p>}
      <div className="agents-layout">
        <div className="agents-main">
          {status === 'ready' && agents.length === 0 && (
            <EmptyState title="No agents yet">
              {organizer
                ? 'Spawn local agents (they think with the inference host on this machine) or external ones (any agent command line).'
                : 'The organizer spawns agents; sign in as organizer to do it here.'}
            </EmptyState>
          )}
          <div className="agent-grid" aria-label={`${live} live agents`}>
            {agents.map((a) => (
              <AgentCard key={a.agent_id} agent={a} tps={inference?.per_agent[a.agent_id]?.tps ?? null} />
            ))}
          </div>
        </div>
        <aside className="agents-side">
          <InferenceCard inference={inference} pausedForJob={pausedForJob} />
          <LeverSummary agents={agents} levers={levers} />
        </aside>
      </div>
    </section>
  );
}

export function AgentsPanel({ rest }: { rest: string[] }) {
  const connect = useSwarm((s) => s.connect);
  const load = useSwarm((s) => s.load);
  useEffect(() => {
    const stop = connect();
    void load();
    return stop;
  }, [connect, load]);
  return rest[0] ? <TraceViewer agentId={rest[0]} /> : <AgentsOverview />;
}
