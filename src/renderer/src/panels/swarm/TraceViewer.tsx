// One agent's trace (#/agents/<id>): its card, then every step, output line and supervisor event, following new ones live; export.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { TraceStep } from '@shared/swarm';
import { EmptyState, ErrorNotice } from '../../components/Notice';
import { formatNumber } from '../../format';
import { routeHref } from '../../router';
import { useIsOrganizer } from '../../stores/session-store';
import { TRACE_KEPT, useSwarm } from '../../stores/swarm-store';
import { AgentCard } from './AgentCard';
import { isAlive } from './agent-state';
import { TraceEntry } from './TraceEntry';

const KINDS: Array<{ id: TraceStep['kind']; label: string }> = [
  { id: 'step', label: 'Steps' },
  { id: 'output', label: 'Output' },
  { id: 'event', label: 'Events' },
];

/** A trace this long renders its latest entries; older ones are a click away. */
const SHOWN = 500;

const entryKey = (s: TraceStep) => `${s.session}-${s.seq}`;

function TraceList({ steps, dropped }: { steps: TraceStep[]; dropped: number }) {
  const box = useRef<HTMLOListElement>(null);
  const pinned = useRef(true);
  const [showAll, setShowAll] = useState(false);
  const shown = showAll ? steps : steps.slice(-SHOWN);
  const newest = shown.length ? entryKey(shown[shown.length - 1]!) : '';
  // Stays at the newest entry while the reader is there; scrolling up to read stops the following. Keyed on the
  // newest entry, not the count: past SHOWN (or the store's cap) the count stays put while entries keep coming.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [newest]);
  return (
    <>
      {dropped > 0 && (
        <p className="muted trace-dropped" data-testid="trace-dropped">
          {formatNumber(dropped)} older entries not shown — export for the whole trace (this view keeps the latest{' '}
          {formatNumber(TRACE_KEPT)}).
        </p>
      )}
      {steps.length > shown.length && (
        <button className="btn btn-small btn-quiet" onClick={() => setShowAll(true)}>
          Show {steps.length - shown.length} earlier entries
        </button>
      )}
      <ol
        ref={box}
        className="trace-list"
        aria-label="Trace"
        onScroll={(e) => {
          const el = e.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {shown.map((s) => (
          <TraceEntry key={entryKey(s)} step={s} />
        ))}
      </ol>
    </>
  );
}

export function TraceViewer({ agentId }: { agentId: string }) {
  const organizer = useIsOrganizer();
  const agent = useSwarm((s) => s.agents.find((a) => a.agent_id === agentId));
  const swarmReady = useSwarm((s) => s.status === 'ready');
  const tps = useSwarm((s) => s.inference?.per_agent[agentId]?.tps ?? null);
  const trace = useSwarm((s) => (s.trace?.agent === agentId ? s.trace : null));
  const { openTrace, moreTrace, followTrace, exportTrace, closeTrace } = useSwarm.getState();
  const [kinds, setKinds] = useState<Set<TraceStep['kind']>>(() => new Set(['step', 'output', 'event']));
  const alive = agent ? isAlive(agent.state) : false;

  useEffect(() => {
    if (!organizer) return;
    void openTrace(agentId);
    // Every step holds its whole prompt: a trace nobody looks at is not kept.
    return closeTrace;
  }, [agentId, organizer, openTrace, closeTrace]);
  // Status events bring most news; this catches output lines written between them.
  useEffect(() => {
    if (!organizer || !alive) return;
    const timer = setInterval(() => void followTrace(), 3000);
    return () => clearInterval(timer);
  }, [organizer, alive, followTrace]);

  const visible = useMemo(() => (trace ? trace.steps.filter((s) => kinds.has(s.kind)) : []), [trace, kinds]);
  const toggle = (kind: TraceStep['kind']) =>
    setKinds((old) => {
      const next = new Set(old);
      if (next.has(kind)) next.delete(kind);
      else next.add(kind);
      return next;
    });

  return (
    <section className="panel trace-viewer" aria-label={`Trace of ${agentId}`}>
      <div className="panel-header">
        <div className="row">
          <a href={routeHref('agents')} className="btn btn-small btn-quiet">
            ← All agents
          </a>
          <h1>Trace of {agentId}</h1>
        </div>
        <div className="panel-actions">
          {trace?.exported && (
            <span className="muted" role="status" data-testid="trace-exported">
              Exported {trace.exported.steps} entries to{' '}
              <code>
                scratch/{agentId}/{trace.exported.path}
              </code>
            </span>
          )}
          {trace?.exportError && (
            <span className="error-text" role="alert">
              {trace.exportError}
            </span>
          )}
          <button
            className="btn btn-small"
            disabled={!organizer || !trace || trace.exporting || trace.steps.length === 0}
            title={
              organizer
                ? "Write this trace into the agent's scratch folder as traces/<session>/ (manifest.md + the log), the public collab's layout"
                : 'sign in as organizer to export traces'
            }
            onClick={() => void exportTrace()}
          >
            {trace?.exporting ? 'Exporting…' : 'Export'}
          </button>
        </div>
      </div>
      <div className="trace-layout">
        <div>
          {agent ? (
            <AgentCard agent={agent} tps={tps} onTracePage />
          ) : (
            swarmReady && (
              <ErrorNotice
                error={`The swarm has no agent "${agentId}" (it runs only the agents spawned since the hub started).`}
              />
            )
          )}
        </div>
        {!organizer ? (
          <EmptyState title="Traces are the organizer's">
            Sign in as organizer to read what {agentId} sent its model and what its tools answered.
          </EmptyState>
        ) : (
          <div className="card trace-card">
            <div className="row trace-toolbar">
              <div className="row" role="group" aria-label="Show">
                {KINDS.map((k) => (
                  <label key={k.id} className="agent-choice">
                    <input type="checkbox" checked={kinds.has(k.id)} onChange={() => toggle(k.id)} /> {k.label}
                  </label>
                ))}
              </div>
              <span className="grow" />
              {trace && (
                <span className="muted" data-testid="trace-count">
                  {trace.dropped > 0
                    ? `latest ${formatNumber(trace.steps.length)} of ${formatNumber(trace.steps.length + trace.dropped)}`
                    : formatNumber(trace.steps.length)}{' '}
                  entries
                  {alive && !trace.more ? ' · following live' : ''}
                </span>
              )}
            </div>
            {trace?.error && <ErrorNotice error={trace.error} onRetry={() => void openTrace(agentId)} />}
            {trace?.loading && trace.steps.length === 0 && <p className="muted">Reading the trace…</p>}
            {trace && !trace.loading && !trace.error && trace.steps.length === 0 && (
              <EmptyState title="Nothing in the trace yet">
                {alive ? 'Entries appear here as the agent works.' : 'Start the agent to see it work.'}
              </EmptyState>
            )}
            {visible.length > 0 && <TraceList steps={visible} dropped={trace?.dropped ?? 0} />}
            {trace?.more && (
              <button className="btn btn-small" disabled={trace.loading} onClick={() => void moreTrace()}>
                {trace.loading ? 'Loading…' : 'Load newer entries'}
              </button>
            )}
          </div>
        )}
      </div>
    </section>
  );
}
