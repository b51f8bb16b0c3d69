// Registers an identity on one connected collab from this machine: agent id, model, harness (its bucket is made for it).
import { useId, useState } from 'react';
import { problemOf, type SyncProblem } from '../../stores/sync-problem';
import { useSync } from '../../stores/sync-store';
import { ProblemText } from './ProblemText';

/** What the contract accepts for an agent id: checked here so the button says why before the hub does. */
const AGENT_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

export function RegisterAgentForm({ collab }: { collab: string }) {
  const register = useSync((s) => s.register);
  const id = useId();
  const [agentId, setAgentId] = useState('');
  const [model, setModel] = useState('');
  const [harness, setHarness] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<SyncProblem | null>(null);
  const idOk = AGENT_ID.test(agentId.trim());
  const ready = idOk && model.trim() !== '';
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    setProblem(null);
    try {
      await register({
        collab,
        agent_id: agentId.trim(),
        model: model.trim(),
        ...(harness.trim() ? { harness: harness.trim() } : {}),
      });
      setAgentId('');
      setModel('');
      setHarness('');
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="stack sync-register"
      onSubmit={(e) => void submit(e)}
      aria-label={`Register an agent on ${collab}`}
    >
      <h4>Register an agent</h4>
      <div className="row sync-fields">
        <div className="field">
          <label htmlFor={`${id}-agent`}>Agent id</label>
          <input
            id={`${id}-agent`}
            value={agentId}
            onChange={(e) => setAgentId(e.target.value)}
            placeholder="my-agent"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={agentId !== '' && !idOk}
          />
        </div>
        <div className="field grow">
          <label htmlFor={`${id}-model`}>Model</label>
          <input
            id={`${id}-model`}
            value={model}
            onChange={(e) => setModel(e.target.value)}
            placeholder="the model the agent runs"
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-harness`}>Harness</label>
          <input
            id={`${id}-harness`}
            value={harness}
            onChange={(e) => setHarness(e.target.value)}
            placeholder="collab-desk"
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <button
          className="btn sync-align-end"
          disabled={busy || !ready}
          title={agentId !== '' && !idOk ? 'lowercase letters, digits and dashes, up to 40' : undefined}
        >
          {busy ? 'Registering…' : 'Register'}
        </button>
      </div>
      {problem && <ProblemText problem={problem} />}
    </form>
  );
}
