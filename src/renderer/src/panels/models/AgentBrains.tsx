// The agent brains already installed: chat models the hub recommends (a pack's target first) with size, fits hint,
// chat format, the command that starts an agent on each and a button that does; and why the other files cannot think.
import { useState } from 'react';
import type { InstalledModel, RecommendedBrain } from '@shared/models';
import { EmptyState } from '../../components/Notice';
import { errorText } from '../../connection/hub-api';
import { formatBytes } from '../../format';
import { useSwarm } from '../../stores/swarm-store';
import { FitHint } from './AvailableModels';

const ORGANIZER_ONLY = 'sign in as organizer to start agents';

/** The CLI line that starts one local agent thinking with this file (quoted for a POSIX shell when it needs it). */
export function startCommand(path: string): string {
  const quoted = /^[\w./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
  return `collab-desk agents start --model ${quoted}`;
}

function BrainRow({
  brain,
  model: m,
  first,
  canWrite,
}: {
  brain: RecommendedBrain;
  model: InstalledModel;
  first: boolean;
  canWrite: boolean;
}) {
  const spawn = useSwarm((s) => s.spawn);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const start = async () => {
    setBusy(true);
    setOutcome(null);
    try {
      const agents = await spawn({ kind: 'local', count: 1, model: m.path });
      setOutcome({ ok: true, text: `started ${agents.map((a) => a.agent_id).join(', ')}: see the Swarm panel` });
    } catch (err) {
      setOutcome({ ok: false, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  const command = startCommand(m.path);
  return (
    <tr data-testid="agent-brain" data-model={m.name}>
      <td>
        <div className="model-name">
          {m.name}{' '}
          {first && (
            <span className="badge badge-valid" title="The best brain for agents among the models you have">
              recommended
            </span>
          )}
        </div>
        <div className="muted brain-line" data-testid="brain-reason">
          {brain.reason}
        </div>
        <code
          className="mono brain-line brain-command"
          data-testid="brain-command"
          title="Start one agent from a terminal"
        >
          {command}
        </code>
        {outcome && (
          <p className={outcome.ok ? 'muted' : 'error-text'} role={outcome.ok ? 'status' : 'alert'}>
            {outcome.text}
          </p>
        )}
      </td>
      <td>
        <span
          className="badge"
          title={`its chat template's family (architecture ${m.brain.architecture ?? 'unknown'})`}
        >
          {m.brain.chat_format}
        </span>
      </td>
      <td className="num" data-testid="brain-size">
        {formatBytes(m.bytes)}
        <FitHint fit={brain.fit} />
      </td>
      <td className="num">
        <button
          className="btn btn-small btn-primary"
          disabled={!canWrite || busy}
          title={canWrite ? `Start one local agent thinking with ${m.name}` : ORGANIZER_ONLY}
          aria-label={`Start an agent with ${m.name}`}
          onClick={() => void start()}
        >
          {busy ? 'Starting…' : 'Start agent'}
        </button>
      </td>
    </tr>
  );
}

export function AgentBrains({
  brains,
  installed,
  canWrite,
}: {
  brains: RecommendedBrain[];
  installed: InstalledModel[];
  canWrite: boolean;
}) {
  const byId = new Map(installed.map((m) => [m.id, m]));
  const rows = brains.flatMap((b) => {
    const model = byId.get(b.id);
    return model ? [{ brain: b, model }] : [];
  });
  const others = installed.filter((m) => !m.brain.ok);
  return (
    <section className="card stack" aria-labelledby="brains-title" data-testid="agent-brains">
      <div className="row models-card-head">
        <h2 id="brains-title">Agent brains you already have</h2>
        <span className="muted">chat models on this machine local agents can think with</span>
      </div>
      {rows.length === 0 ? (
        <EmptyState title="No chat model installed yet">
          Download one below (the gemma pack&apos;s gemma-4-E4B-it is a good first brain), or point agents at a server
          you already run: <code>collab-desk agents start --endpoint URL --model NAME</code>.
        </EmptyState>
      ) : (
        <table className="table" data-testid="agent-brain-list">
          <thead>
            <tr>
              <th>Model</th>
              <th>Chat format</th>
              <th className="num">Size</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <BrainRow key={r.model.id} brain={r.brain} model={r.model} first={i === 0} canWrite={canWrite} />
            ))}
          </tbody>
        </table>
      )}
      {others.length > 0 && (
        <details className="muted" data-testid="not-brains">
          <summary>
            {others.length} installed {others.length === 1 ? 'file is' : 'files are'} not an agent brain
          </summary>
          <ul>
            {others.map((m) => (
              <li key={m.id} data-model={m.name}>
                <span className="mono">{m.name}</span>: {m.brain.why}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
