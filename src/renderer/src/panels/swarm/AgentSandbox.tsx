// How an external agent is confined, on its card: a badge that says it plainly, and the policy (read, write, hidden, processes, network) on demand.
import type { SandboxPolicy } from '@shared/swarm';
import { BreakableText } from '../../components/BreakableText';

/** "sandboxed · bubblewrap", or a warning where the organizer accepted running it unconfined. */
export function SandboxBadge({ policy }: { policy: SandboxPolicy }) {
  if (policy.kind === 'none') {
    return (
      <span
        className="badge badge-unsandboxed"
        data-testid="agent-sandbox"
        data-sandbox="none"
        title="It runs as your user: it can read the organizer token, the held-out prompts and all your files"
      >
        NOT sandboxed (risk accepted)
      </span>
    );
  }
  return (
    <span
      className="badge badge-sandboxed"
      data-testid="agent-sandbox"
      data-sandbox={policy.kind}
      title="It sees only its scratch folder and the folders granted to it"
    >
      sandboxed · {policy.kind}
    </span>
  );
}

function Paths({ testId, paths }: { testId: string; paths: string[] }) {
  if (paths.length === 0)
    return (
      <dd className="muted" data-testid={testId}>
        nothing
      </dd>
    );
  return (
    <dd data-testid={testId}>
      {/* The policy mixes paths with words ("the system (read-only)"): only paths are set as code. */}
      <ul className="sandbox-paths">
        {paths.map((p) => (
          <li key={p} className={p.startsWith('/') ? 'mono' : undefined}>
            {p.startsWith('/') ? <BreakableText text={p} /> : p}
          </li>
        ))}
      </ul>
    </dd>
  );
}

/** Closed by default: the card stays short, and the policy is one click away. */
export function SandboxPolicyDetails({ policy }: { policy: SandboxPolicy }) {
  const unconfined = policy.kind === 'none';
  return (
    <details
      className={unconfined ? 'agent-sandbox agent-sandbox-none' : 'agent-sandbox'}
      data-testid="agent-sandbox-policy"
    >
      <summary>{unconfined ? 'what it can reach: everything you can' : 'what it can reach'}</summary>
      <dl className="agent-figures sandbox-policy">
        <dt>can read</dt>
        <Paths testId="sandbox-read" paths={policy.read} />
        <dt>can write</dt>
        <Paths testId="sandbox-write" paths={policy.write} />
        <dt>hidden</dt>
        <Paths testId="sandbox-hidden" paths={policy.hidden} />
        <dt>processes</dt>
        <dd data-testid="sandbox-processes">{policy.processes}</dd>
        <dt>network</dt>
        <dd data-testid="sandbox-network">{policy.network}</dd>
      </dl>
    </details>
  );
}
