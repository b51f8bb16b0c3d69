// Agents per lever: where the swarm is pointed (directions) and what its latest jobs actually worked.
import type { SwarmAgentStatus } from '@shared/swarm';
import { LEVERS } from '@shared/levers';
import { isAlive } from './agent-state';

export function LeverSummary({ agents, levers }: { agents: SwarmAgentStatus[]; levers: Record<string, number> }) {
  const directed = new Map<string, string[]>();
  for (const a of agents)
    if (isAlive(a.state)) directed.set(a.direction, [...(directed.get(a.direction) ?? []), a.agent_id]);
  const max = Math.max(1, ...LEVERS.map((l) => Math.max(directed.get(l.id)?.length ?? 0, levers[l.id] ?? 0)));
  return (
    <div className="card lever-summary" data-testid="lever-summary">
      <h3>Agents per lever</h3>
      <table className="table">
        <thead>
          <tr>
            <th>lever</th>
            <th className="num" title="live agents pointed at it">
              directed
            </th>
            <th className="num" title="agents whose latest job worked it">
              working
            </th>
          </tr>
        </thead>
        <tbody>
          {LEVERS.map((l) => {
            const ids = directed.get(l.id) ?? [];
            const working = levers[l.id] ?? 0;
            return (
              <tr key={l.id} title={l.hint} data-lever={l.id}>
                <td>
                  {l.title}
                  <div className="lever-bar">
                    <span style={{ width: `${(Math.max(ids.length, working) / max) * 100}%` }} />
                  </div>
                </td>
                <td className="num" title={ids.join(', ')} data-testid="lever-directed">
                  {ids.length || <span className="muted">0</span>}
                </td>
                <td className="num">{working || <span className="muted">0</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
