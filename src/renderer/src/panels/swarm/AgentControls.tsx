// Pause / resume / stop / start for one agent or the whole swarm: the organizer's, "…" while the hub answers, its refusal shown.
import type { SwarmAction } from '@shared/swarm';
import { useIsOrganizer } from '../../stores/session-store';
import { useSwarm, WHOLE_SWARM } from '../../stores/swarm-store';
import { ACTION_LABEL, ACTION_PENDING } from './agent-state';

export function AgentControls({
  agentId,
  actions,
  label,
}: {
  agentId: string | null;
  actions: SwarmAction[];
  label: string;
}) {
  const organizer = useIsOrganizer();
  const key = agentId ?? WHOLE_SWARM;
  const pending = useSwarm((s) => s.pending[key]);
  const refusal = useSwarm((s) => s.refusals[key]);
  const act = useSwarm((s) => s.act);
  const what = agentId === null ? 'the swarm' : agentId;
  return (
    <div className="agent-controls">
      <div className="row" role="group" aria-label={`Controls for ${label}`}>
        {agentId === null && <span className="muted controls-label">All agents</span>}
        {actions.map((action) => (
          <button
            key={action}
            type="button"
            className={action === 'stop' || action === 'remove' ? 'btn btn-small btn-danger' : 'btn btn-small'}
            disabled={!organizer || pending !== undefined}
            title={organizer ? `${ACTION_LABEL[action]} ${what}` : `sign in as organizer to ${action} ${what}`}
            aria-label={`${ACTION_LABEL[action]} ${what}`}
            onClick={() => void act(agentId, action)}
          >
            {pending === action ? ACTION_PENDING[action] : ACTION_LABEL[action]}
          </button>
        ))}
      </div>
      {refusal && (
        <p className="error-text" role="alert">
          {refusal}
        </p>
      )}
    </div>
  );
}
