// What a local agent reads each step: who it is and where it starts (system), and a short summary of what changed (user).
import type { Digest, RecordItem } from '../shared/api';
import type { ChallengeInfo, JobInfo } from '../shared/challenge';
import { leverById } from '../shared/levers';
import type { PublicDigest } from '../shared/mirror-api';
import type { AgentRole } from '../shared/swarm';

const ROLE_BRIEF: Record<AgentRole, string> = {
  explorer: 'You try ideas nobody on the board has tried yet and report what happened, good or bad.',
  tuner: 'You take the best configuration on the leaderboard and tune one setting at a time around it.',
  skeptic:
    'You re-check claims: rerun the leading configurations, look for PPL or identity problems, and say so on the board.',
  scout: 'You read the board and results, summarize what is known per lever, and point others at gaps.',
};

export function systemPrompt(o: {
  agentId: string;
  role: AgentRole;
  direction: string;
  challenge: ChallengeInfo | null;
}): string {
  const lever = leverById(o.direction);
  const c = o.challenge;
  const lines = [
    `You are ${o.agentId}, a ${o.role} agent in a collaboration of agents and people on one machine.`,
    ROLE_BRIEF[o.role],
    lever ? `Your direction: ${lever.title}. ${lever.hint}.` : `Your direction: ${o.direction}.`,
    'Other agents work other directions; build on their results (refs) instead of repeating them, and post what you learn, including dead ends.',
  ];
  if (c) {
    lines.push(
      `The challenge: ${c.title}. Make decoding faster (tokens/s, higher is better) while perplexity stays under the cap${c.ppl_cap ? ` (${c.ppl_cap.toFixed(3)})` : ''}.`,
      `Models: ${Object.entries(c.models)
        .map(([name, m]) => `${name} (${m.role})`)
        .join(', ')}.`,
      c.baseline_result
        ? `Baseline: ${c.baseline_result.tps.toFixed(1)} tok/s (plain ${c.baseline.target}); each job also measures its own plain target beside it, and its speedup is that paired ratio.`
        : 'The baseline has not run yet.',
    );
  }
  lines.push('Each step, call exactly one tool. Keep posts short and factual.');
  return lines.join('\n');
}

function excerpt(item: Pick<RecordItem, 'frontmatter' | 'body'>, length = 160): string {
  const author = String(item.frontmatter.agent ?? '?');
  const text = item.body.replace(/\s+/g, ' ').trim();
  return `${author}: ${text.length > length ? `${text.slice(0, length - 1)}…` : text}`;
}

/** How old a copy is, in words a model can weigh. */
function copyAge(caughtUpAt: string | null, now: number): string {
  if (caughtUpAt === null) return 'not read yet';
  const minutes = Math.max(0, Math.round((now - Date.parse(caughtUpAt)) / 60_000));
  return minutes < 1
    ? 'read just now'
    : minutes < 120
      ? `read ${minutes} min ago`
      : `read ${Math.round(minutes / 60)} h ago`;
}

/**
 * The public frontier: what the followed collabs found, so an agent sees it without a call. Marked as theirs (their
 * hardware, their rules), with the filenames to cite when building on it.
 */
export function publicFrontier(collabs: readonly PublicDigest[], now = Date.now()): string | null {
  if (collabs.length === 0) return null;
  const blocks = collabs.map((c) => {
    const rows = c.leaderboard.slice(0, 3).map((r) => {
      const score = typeof r.score === 'number' ? r.score.toFixed(1) : String(r.score ?? '?');
      const method = String(r.method ?? '')
        .replace(/\s+/g, ' ')
        .slice(0, 60);
      return `#${String(r.rank ?? '?')} ${String(r.agent ?? '?')} ${score} ${c.score_field} ${method} (${String(r.verification ?? '?')}) ${String(r.filename ?? '')}`;
    });
    const results = c.recent_results.slice(0, 2).map((r) => `${r.filename}: ${excerpt(r, 100)}`);
    return [
      `${c.origin} (${copyAge(c.caught_up_at, now)}${c.problem ? ', last read failed' : ''}):`,
      ...(rows.length ? rows : ['leaderboard empty']),
      ...(results.length ? ['newest results:', ...results] : []),
    ].join('\n');
  });
  return [
    "Public frontier (read-only: other collabs' records, measured on their hardware; cite a filename in refs when you build on it, and say so):",
    ...blocks,
  ].join('\n');
}

/** The step's observation: the leaderboard's top, what is new on the board, the inbox, and this agent's own jobs. */
export function observation(o: {
  digest: Digest & { public?: readonly PublicDigest[] };
  jobs: JobInfo[];
  self: string;
  memory: string;
  step: number;
  /** The call that failed last step: said first, so the model corrects it in this step's call. */
  failed?: { tool: string; error: string };
}): string {
  const d = o.digest;
  const parts: string[] = [`Step ${o.step + 1}.`];
  if (o.failed)
    parts.push(
      `Your last call failed: ${o.failed.tool} -> ${o.failed.error.replace(/\s+/g, ' ').slice(0, 600)}\nCall ${o.failed.tool} again now, corrected as the error says.`,
    );
  const top = d.leaderboard.slice(0, 5);
  parts.push(
    top.length
      ? `Leaderboard:\n${top.map((r) => `#${r.rank} ${r.agent} ${r.score.toFixed(1)} tok/s ${r.method} (${r.verification})`).join('\n')}`
      : 'Leaderboard: empty.',
  );
  const news = d.recent_messages.filter((m) => m.frontmatter.agent !== o.self).slice(0, 5);
  if (news.length) parts.push(`New on the board:\n${news.map((m) => excerpt(m)).join('\n')}`);
  if (d.inbox?.items.length)
    parts.push(
      `Your inbox (${d.inbox.count}):\n${d.inbox.items
        .slice(0, 4)
        .map((m) => excerpt(m))
        .join('\n')}`,
    );
  const frontier = publicFrontier(d.public ?? []);
  if (frontier) parts.push(frontier);
  if (o.jobs.length) {
    parts.push(
      `Your jobs:\n${o.jobs
        .slice(0, 5)
        .map(
          (j) => `${j.id} ${j.state}${j.result ? ` -> ${j.result}` : ''}${j.error ? ` (${j.error.slice(0, 80)})` : ''}`,
        )
        .join('\n')}`,
    );
  }
  parts.push(`What you did:\n${o.memory}`);
  parts.push('Choose one tool.');
  return parts.join('\n\n');
}
