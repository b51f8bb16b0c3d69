// Publishing a local result: pick it, the collab and the agent, preview exactly what leaves, then publish what was shown.
import { useEffect } from 'react';
import type { SyncStatus } from '@shared/sync-api';
import { formatNumber } from '../../format';
import { useOutbox } from '../../stores/outbox-store';
import { usePublish, type PublishDraft, type ResultChoice } from '../../stores/publish-store';
import { useSession } from '../../stores/session-store';
import { PreviewView } from './PreviewView';
import { ProblemText } from './ProblemText';

function resultLabel(r: ResultChoice): string {
  const parts = [r.agent, r.score !== null ? formatNumber(r.score, 3) : null, r.status].filter(Boolean);
  return parts.length > 0 ? `${parts.join(' · ')} — ${r.filename}` : r.filename;
}

export function PublishSection({ status }: { status: SyncStatus }) {
  const { results, resultsProblem, draft, preview, busy, problem, published } = usePublish();
  const { loadResults, setDraft, fillDefaults, makePreview, publish } = usePublish.getState();
  // The local results are scored by this hub's field (tps on the Gemma pack), not the collab's.
  const scoreField = useSession((s) => s.hub?.score_field);
  useEffect(() => {
    void loadResults(scoreField);
  }, [loadResults, scoreField]);
  useEffect(() => {
    fillDefaults(status.collabs);
  }, [status.collabs, fillDefaults]);

  const collab = status.collabs.find((c) => c.id === draft.collab);
  // A result named by the route (or picked earlier) stays choosable even when older than the newest page.
  const choices =
    draft.result && !results.some((r) => r.filename === draft.result)
      ? [{ filename: draft.result, agent: null, score: null, status: null }, ...results]
      : results;
  const ready = draft.result !== '' && draft.collab !== '' && draft.agent !== '';
  const why = !draft.result
    ? 'choose a result'
    : !collab
      ? 'connect a collab first'
      : !draft.agent
        ? 'register an agent on the collab first'
        : undefined;

  return (
    <section className="card stack" aria-labelledby="sync-publish-title">
      <div className="row sync-card-head">
        <h2 id="sync-publish-title">Publish a result</h2>
      </div>
      {!status.signed_in && <p className="muted sync-small">Sign in with Hugging Face above to publish.</p>}
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) void makePreview();
        }}
      >
        <div className="row sync-fields">
          <div className="field grow">
            <label htmlFor="sync-result">Result</label>
            <select id="sync-result" value={draft.result} onChange={(e) => setDraft({ result: e.target.value })}>
              <option value="">{results.length === 0 ? 'no results yet' : 'choose a result'}</option>
              {choices.map((r) => (
                <option key={r.filename} value={r.filename}>
                  {resultLabel(r)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="sync-collab">Collab</label>
            <select
              id="sync-collab"
              value={draft.collab}
              onChange={(e) => {
                const next = status.collabs.find((c) => c.id === e.target.value);
                setDraft({ collab: e.target.value, agent: next?.agents[0]?.agent_id ?? '' });
              }}
            >
              {status.collabs.length === 0 && <option value="">none connected</option>}
              {status.collabs.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.title ? `${c.title} (${c.id})` : c.id}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="sync-agent">Agent</label>
            <select id="sync-agent" value={draft.agent} onChange={(e) => setDraft({ agent: e.target.value })}>
              {(collab?.agents.length ?? 0) === 0 && <option value="">none registered</option>}
              {collab?.agents.map((a) => (
                <option key={a.agent_id} value={a.agent_id}>
                  {a.agent_id}
                </option>
              ))}
            </select>
          </div>
        </div>
        <label className="row sync-check">
          <input type="checkbox" checked={draft.bundle} onChange={(e) => setDraft({ bundle: e.target.checked })} />
          Send the run bundle (config, output, provenance, log)
        </label>
        <div className="row sync-fields">
          <div className="field">
            <label htmlFor="sync-trace">The agent&apos;s session trace</label>
            <select
              id="sync-trace"
              value={draft.trace}
              onChange={(e) => setDraft({ trace: e.target.value as PublishDraft['trace'] })}
            >
              <option value="none">Not shared</option>
              <option value="stats">Stats: token and tool-call counts</option>
              <option value="full">Full: the counts and the session log</option>
            </select>
          </div>
          {draft.trace !== 'none' && (
            <div className="field">
              <label htmlFor="sync-trace-session">Session (optional)</label>
              <input
                id="sync-trace-session"
                value={draft.traceSession}
                maxLength={200}
                onChange={(e) => setDraft({ traceSession: e.target.value })}
                placeholder="the one whose result_ref is this result"
              />
            </div>
          )}
        </div>
        <div className="field">
          <label htmlFor="sync-message">Board message (optional)</label>
          <textarea
            id="sync-message"
            rows={2}
            maxLength={4000}
            value={draft.message}
            onChange={(e) => setDraft({ message: e.target.value })}
            placeholder="posted on the collab's board with the result"
          />
        </div>
        <div className="row">
          <button className="btn" disabled={!ready || busy !== null} title={why}>
            {busy === 'preview' ? 'Preparing…' : 'Preview'}
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={!preview || busy !== null}
            title={preview ? 'Send exactly what the preview shows' : 'Preview first: you see everything that leaves'}
            onClick={() =>
              // The outbox shows it at once; its events then move it on.
              void publish().then((item) => item && useOutbox.getState().keep(item))
            }
          >
            {busy === 'publish' ? 'Queuing…' : 'Publish'}
          </button>
          {published && (
            <span className="badge badge-valid" role="status" data-testid="published">
              Queued: follow it in the outbox below
            </span>
          )}
        </div>
      </form>
      {resultsProblem && <ProblemText problem={resultsProblem} />}
      {problem && <ProblemText problem={problem} />}
      {preview && <PreviewView preview={preview} />}
    </section>
  );
}
