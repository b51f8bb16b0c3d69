// One line of an agent's trace: a local agent's step (prompt, completion, tool calls, timings, tokens), an output line, or a supervisor event.
import type { TraceStep } from '@shared/swarm';
import { formatMs, formatTime, readableJson } from '../../format';

function time(at: string): string {
  return formatTime(at).slice(11);
}

function args(value: unknown): string {
  try {
    return typeof value === 'string' ? readableJson(value) : readableJson(JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

export function TraceEntry({ step }: { step: TraceStep }) {
  if (step.kind === 'output') {
    return (
      <li
        className={`trace-line trace-output${step.stream === 'stderr' ? ' trace-stderr' : ''}`}
        data-testid="trace-output"
        data-seq={step.seq}
      >
        <time dateTime={step.at} title={formatTime(step.at)}>
          {time(step.at)}
        </time>
        <span className="trace-stream">{step.stream ?? 'out'}</span>
        <code>{step.text}</code>
      </li>
    );
  }
  if (step.kind === 'event') {
    return (
      <li className="trace-line trace-event" data-testid="trace-event" data-seq={step.seq}>
        <time dateTime={step.at} title={formatTime(step.at)}>
          {time(step.at)}
        </time>
        <span className="trace-stream">event</span>
        <span>{step.text}</span>
      </li>
    );
  }
  const calls = step.tool_calls ?? [];
  const failed = calls.some((c) => !c.ok);
  return (
    <li className="trace-step" data-testid="trace-step" data-seq={step.seq}>
      <details>
        <summary>
          <time dateTime={step.at} title={formatTime(step.at)}>
            {time(step.at)}
          </time>
          <span className="trace-stream">step</span>
          <span className="trace-calls">
            {calls.length ? (
              calls.map((c, i) => (
                <span key={i} className={c.ok ? 'badge badge-valid' : 'badge badge-invalid'}>
                  {c.name}
                </span>
              ))
            ) : (
              <span className="muted">no tool call</span>
            )}
          </span>
          <span className="grow trace-summary-text">{step.completion?.slice(0, 160)}</span>
          {step.tokens && (
            <span className="muted trace-nums" title="prompt / completion tokens">
              {step.tokens.prompt}+{step.tokens.completion} tok
            </span>
          )}
          {step.timings && (
            <span className="muted trace-nums" title="observe / think / act">
              {formatMs(step.timings.observe_ms + step.timings.think_ms + step.timings.act_ms)}
            </span>
          )}
          {failed && <span className="tone-text-bad">failed</span>}
        </summary>
        <div className="trace-body">
          {step.timings && (
            <p className="muted trace-timings">
              observe {formatMs(step.timings.observe_ms)} · think {formatMs(step.timings.think_ms)} · act{' '}
              {formatMs(step.timings.act_ms)}
            </p>
          )}
          {step.prompt && (
            <details className="trace-prompt">
              <summary>Prompt ({step.prompt.length} messages)</summary>
              {step.prompt.map((m, i) => (
                <div key={i} className="trace-message">
                  <span className="badge">{m.role}</span>
                  <pre>{m.content}</pre>
                </div>
              ))}
            </details>
          )}
          {step.completion !== undefined && (
            <div className="trace-completion">
              <h3>Completion</h3>
              <pre>{readableJson(step.completion)}</pre>
            </div>
          )}
          {calls.map((c, i) => (
            <div key={i} className={c.ok ? 'trace-tool' : 'trace-tool trace-tool-failed'}>
              <h3>
                {c.name}{' '}
                <span className={c.ok ? 'badge badge-valid' : 'badge badge-invalid'}>{c.ok ? 'ok' : 'failed'}</span>
              </h3>
              <pre className="trace-args">{args(c.arguments)}</pre>
              <pre className="trace-result">{readableJson(c.result)}</pre>
            </div>
          ))}
        </div>
      </details>
    </li>
  );
}
