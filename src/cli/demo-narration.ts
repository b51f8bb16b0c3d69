// What `collab-desk demo` tells the terminal: one line per hub event worth a person's notice, and the closing summary.
import type { Leaderboard, RecordItem } from '../shared/api';
import type { JobInfo } from '../shared/challenge';
import type { SwarmStatus } from '../shared/swarm';
import { describeConfig } from '../agents/tools/agent-tools';
import type { HubEvent } from '../hub/event-stream';
import type { HostedHub } from '../hub/hosted-hub';
import { baselineOf } from '../hub/jobs/job-results';
import type { ResultRow } from '../hub/store/result-store';

/** The shape of a record event's data (see records.ts recordEvent). */
interface RecordEventData {
  actor: string;
  target: string;
  at: string;
  detail: Record<string, unknown> | null;
  record?: unknown;
}

/** Local wall-clock time, so the lines read as a log: when each thing happened. */
export function clockTime(at: string | number | Date): string {
  return new Date(at).toLocaleTimeString('en-GB', { hour12: false });
}

function fixed(x: unknown, digits = 1): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

/** One line of free text: long notes are cut, so a line stays a line. */
function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * A job's config in words, as its agent's tools name it ("draft model draft-q8, target target, n_draft 6, K cache
 * q8_0"): the speculation and the settings that differ from the pack's plain run, so a line names what the agent chose.
 */
export function configLine(config: Record<string, unknown> | null, packDefaults: Record<string, unknown> = {}): string {
  return config ? oneLine(describeConfig(config, packDefaults), 160) : 'no runnable config';
}

function frontmatter(row: ResultRow | RecordItem | undefined): Record<string, unknown> {
  if (!row) return {};
  if (typeof row.frontmatter === 'string') {
    try {
      return JSON.parse(row.frontmatter) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return row.frontmatter;
}

/** A result's title: its method, or its body's first heading when it has none. */
function titleOf(fm: Record<string, unknown>, body: string): string {
  if (typeof fm.method === 'string' && fm.method) return oneLine(fm.method, 100);
  const heading = /^#\s+(.+)$/m.exec(body);
  return heading ? oneLine(heading[1]!, 100) : '(untitled)';
}

/** What a baseline ran: the plain target, no speculation. */
function plainOf(fm: Record<string, unknown>): string {
  const config = fm.config as Record<string, unknown> | undefined;
  return `plain ${String(config?.target ?? 'target')}`;
}

/** "x1.09 over the baseline": a result's score against the pack's baseline score, when both are known. */
function overBaseline(tps: unknown, baseline: number | null): string {
  if (typeof tps !== 'number' || !baseline) return 'no baseline to compare with yet';
  return `x${(tps / baseline).toFixed(2)} over the baseline`;
}

/**
 * Narrates the hub's own events as they happen (the in-process listener the event stream offers, so nothing is
 * polled): the baseline, each job, each result, each verdict. Returns the unsubscribe.
 */
export function narrateHub(hub: HostedHub, print: (line: string) => void): () => void {
  const unit = hub.config.results.score_unit;
  const scoreField = hub.config.results.score_field;
  const pack = () => {
    try {
      return hub.challenge.get();
    } catch {
      return null; // a broken pack file: the hub's routes say so; the story goes on without the pack's figures
    }
  };
  const packId = () => pack()?.id ?? null;
  const defaults = () => pack()?.defaults ?? {};
  const baselineTps = () => {
    const id = packId();
    return id ? (baselineOf(hub, id)?.tps ?? null) : null;
  };
  const say = (at: string, line: string) => print(`${clockTime(at)} ${line}`);

  const onJob = (type: string, e: RecordEventData) => {
    const job = e.record as JobInfo | undefined;
    if (!job) return;
    if (job.kind === 'baseline') {
      if (type === 'job.started')
        say(e.at, `baseline: measuring the plain ${String(job.config?.target ?? 'target')} (job ${job.id})…`);
      else if (type === 'job.failed')
        say(e.at, `baseline failed (job ${job.id}): ${oneLine(job.error ?? 'no error given')}`);
      return;
    }
    if (job.kind === 'verify') {
      if (type === 'job.started')
        say(e.at, `verifying ${job.verifies ?? '?'}: re-running it on the held-out prompts (job ${job.id})…`);
      else if (type === 'job.failed')
        say(e.at, `verification job ${job.id} failed: ${oneLine(job.error ?? 'no error given')}`);
      return;
    }
    if (type === 'job.queued')
      say(e.at, `job ${job.id} submitted by ${job.agent}: ${configLine(job.config, defaults())}`);
    else if (type === 'job.started') say(e.at, `job ${job.id} started (${job.agent})`);
    else if (type === 'job.failed')
      say(e.at, `job ${job.id} failed (${job.agent}): ${oneLine(job.error ?? 'no error given')}`);
    else if (type === 'job.cancelled') say(e.at, `job ${job.id} cancelled (${job.agent})`);
    else if (type === 'job.succeeded') {
      const row = job.result ? hub.results.get(job.result) : undefined;
      const fm = frontmatter(row);
      // The paired speedup leads: measured beside its plain target in one run, it holds on a busy machine; the ratio
      // to a baseline measured at another time does not (a baseline slowed by load made x0.36 read as x13.8).
      const vsBaseline = overBaseline(row?.score, baselineTps());
      say(
        e.at,
        `job ${job.id} finished (${job.agent}): ${fixed(row?.score)} ${unit}, ${
          typeof fm.speedup === 'number'
            ? `x${fixed(fm.speedup, 2)} over its plain target measured beside it (${vsBaseline}, measured at another time)`
            : vsBaseline
        }`,
      );
    }
  };

  const onResult = (type: string, e: RecordEventData) => {
    const item = e.record as RecordItem | undefined;
    if (!item) return;
    const fm = frontmatter(item);
    if (type === 'result.created') {
      if (fm.status === 'baseline') {
        say(
          e.at,
          `baseline measured: ${fixed(fm[scoreField])} ${unit} (${plainOf(fm)}, job ${String(fm.job ?? '?')}); every speedup is against it`,
        );
        return;
      }
      say(
        e.at,
        `result published by ${String(fm.agent ?? e.actor)}: ${fixed(fm[scoreField])} ${unit} "${titleOf(fm, item.body)}" (${item.filename})`,
      );
    } else if (type === 'result.verdict') {
      const verdict = String(e.detail?.verdict ?? item.verification ?? '?');
      const note = hub.results.get(e.target)?.verdict_note;
      say(
        e.at,
        `verdict by ${e.actor} on ${String(fm.agent ?? '?')}'s ${e.target}: ${verdict.toUpperCase()}${note ? ` — ${oneLine(note)}` : ''}`,
      );
    }
  };

  const unsubscribe = hub.events.onEvent((event: HubEvent) => {
    if (event.id === null) return;
    const data = event.data as RecordEventData;
    // Listeners run inside the hub's write path: a line that cannot be told must never fail the write it tells of.
    try {
      if (event.type.startsWith('job.')) onJob(event.type, data);
      else if (event.type === 'result.created' || event.type === 'result.verdict') onResult(event.type, data);
    } catch (err) {
      print(`(could not narrate ${event.type}: ${(err as Error).message})`);
    }
  });

  // What happened before this listener: a baseline measured by an earlier run, a baseline already queued or running.
  const id = packId();
  const earlier = id ? hub.results.latestOfPack('baseline', id) : undefined;
  if (earlier)
    say(
      new Date(earlier.ts).toISOString(),
      `baseline: ${fixed(earlier.score)} ${unit} (${plainOf(frontmatter(earlier))}, measured by an earlier run on ${new Date(earlier.ts).toISOString().slice(0, 10)})`,
    );
  for (const job of hub.jobs.list({ limit: 20 }))
    if (job.state === 'running' && job.kind === 'baseline')
      say(new Date().toISOString(), `baseline: measuring the plain target (job ${job.id})…`);
    else if (job.state === 'queued' && job.kind === 'baseline')
      say(new Date().toISOString(), `baseline: queued (job ${job.id}); measured before any agent's job`);
  return unsubscribe;
}

/** Agents' state changes (not their step-by-step actions), one line each when it changes. */
export function narrateAgents(print: (line: string) => void): (status: SwarmStatus) => void {
  const last = new Map<string, string>();
  return (s) => {
    for (const a of s.agents) {
      const line = `${a.state} steps ${a.steps} jobs ${a.jobs_submitted}`;
      if (last.get(a.agent_id) !== line && !a.action)
        print(
          `${clockTime(Date.now())}   ${a.agent_id}: ${line}${a.error && a.state === 'failed' ? ` (${oneLine(a.error)})` : ''}`,
        );
      last.set(a.agent_id, line);
    }
  };
}

/**
 * The closing summary of a bounded demo: the baseline, what each agent did, the best result against the baseline, the
 * verdicts and the top of the leaderboard.
 */
export function demoSummary(hub: HostedHub, swarm: SwarmStatus, board: Leaderboard): string[] {
  const unit = hub.config.results.score_unit;
  // The leaderboard's reference row: the installed pack's baseline, as the dashboard shows it.
  const baseline = board.baseline ? hub.results.get(board.baseline.filename) : undefined;
  const lines = ['', 'summary'];
  lines.push(
    baseline
      ? `  baseline: ${fixed(baseline.score)} ${unit} (${plainOf(frontmatter(baseline))}, measured ${clockTime(baseline.ts)})`
      : '  baseline: not measured (no speedup can be given)',
  );
  const jobs = hub.jobs.list({ limit: 10_000 });
  for (const a of swarm.agents) {
    const mine = jobs.filter((j) => j.agent === a.agent_id);
    const ok = mine.filter((j) => j.state === 'succeeded').length;
    const failed = mine.filter((j) => j.state === 'failed').length;
    lines.push(
      `  ${a.agent_id}: ${a.steps} steps, ${a.tokens_used} tokens, ${mine.length} jobs (${ok} succeeded${failed ? `, ${failed} failed` : ''})${a.error ? `, last error: ${oneLine(a.error)}` : ''}`,
    );
  }
  const results = hub.results.recent(10_000).filter((r) => r.status !== 'baseline');
  // The best is the leaderboard's leader: clean, under the cap, not refuted. Without one, the fastest result that was
  // not refuted is named for what it is (a dead end when no faster than the baseline), never as a win.
  const leader = board.rows[0];
  const fastest = results
    .filter((r) => r.verification !== 'invalid')
    .sort((x, y) => (hub.config.results.order === 'desc' ? y.score - x.score : x.score - y.score))[0];
  // The paired ratio (beside its plain target, one run) where there is one; the baseline's is said to be another run's.
  const speedup = (score: number, paired: unknown) =>
    typeof paired === 'number'
      ? `x${fixed(paired, 2)} over its plain target measured beside it`
      : `${overBaseline(score, baseline?.score ?? null)} (measured at another time)`;
  lines.push(
    leader
      ? `  best: ${fixed(leader.score)} ${unit} by ${leader.agent}, ${speedup(leader.score, leader.speedup)} (${oneLine(leader.method, 80)}; ${leader.verification})`
      : fastest
        ? `  best: none ranked yet; the fastest measured was ${fixed(fastest.score)} ${unit} by ${fastest.agent}, ${speedup(fastest.score, frontmatter(fastest).speedup)} (${fastest.status === 'negative' ? 'a dead end: no faster than its plain target' : `${fastest.verification}, not ranked`})`
        : '  best: no result was published',
  );
  const count = (v: string) => results.filter((r) => r.verification === v).length;
  lines.push(
    `  verdicts: ${count('valid')} valid, ${count('invalid')} invalid, ${count('pending')} pending${count('unverified') ? `, ${count('unverified')} unverified` : ''}`,
  );
  lines.push('  leaderboard:');
  if (board.rows.length === 0) lines.push('    (empty: no clean, ranked result yet)');
  for (const r of board.rows.slice(0, 5)) {
    const verified = r.verification === 'valid' ? 'verified' : `not verified (${r.verification})`;
    const speedup = r.speedup === null ? 'speedup n/a' : `x${r.speedup.toFixed(2)}`;
    lines.push(
      `    #${r.rank} ${r.agent}  ${fixed(r.score)} ${unit}  ${speedup}  ${verified}  ${oneLine(r.method, 60)}`,
    );
  }
  return lines;
}
