// Every agent's trace: one JSON line per step (or output line, or supervisor event), readable in pages and exportable.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { TraceStep } from '../shared/swarm';
import type { Redactor } from './agent-env';

export type TraceEntry = Omit<TraceStep, 'agent' | 'session' | 'seq' | 'at'>;

/** The public collab's trace bundle: traces/<session>/manifest.md (frontmatter + summary) beside the native log. */
export interface TraceBundle {
  session: string;
  steps: number;
  manifest: string;
  log: string;
  logFile: string;
}

export class TraceLog {
  private readonly seqs = new Map<string, number>();

  constructor(
    private readonly dir: string,
    private readonly redactor: Redactor,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  private file(agent: string): string {
    return join(this.dir, `${agent}.jsonl`);
  }

  /** Appends one entry, redacted: a token an external agent prints must not survive into a file people read. */
  append(agent: string, session: string, entry: TraceEntry): TraceStep {
    const seq = this.nextSeq(agent);
    const step: TraceStep = { agent, session, seq, at: new Date(this.now()).toISOString(), ...entry };
    appendFileSync(this.file(agent), this.redactor.redact(JSON.stringify(step)) + '\n');
    return step;
  }

  read(agent: string, after = 0, limit = 100): { steps: TraceStep[]; next: number | null } {
    const all = this.all(agent).filter((s) => s.seq > after);
    const steps = all.slice(0, limit);
    return { steps, next: all.length > limit ? steps[steps.length - 1]!.seq : null };
  }

  /** The latest session of an agent as a bundle in the public layout, or null when it has no trace yet. */
  bundle(agent: string, meta: { harness: string; model: string }): TraceBundle | null {
    const all = this.all(agent);
    if (all.length === 0) return null;
    const session = all[all.length - 1]!.session;
    const steps = all.filter((s) => s.session === session);
    let input = 0;
    let output = 0;
    let toolCalls = 0;
    for (const s of steps) {
      input += s.tokens?.prompt ?? 0;
      output += s.tokens?.completion ?? 0;
      toolCalls += s.tool_calls?.length ?? 0;
    }
    const local = steps.some((s) => s.kind === 'step');
    const frontmatter = {
      schema_version: 1,
      harness: meta.harness,
      session_id: session,
      model: meta.model,
      started_at: steps[0]!.at,
      ended_at: steps[steps.length - 1]!.at,
      // Unknown is null, never 0: an external agent's token use is not visible to us.
      usage: local
        ? { total_tokens: input + output, input_tokens: input, output_tokens: output }
        : { total_tokens: null },
      activity: { tool_calls: local ? toolCalls : null, steps: steps.filter((s) => s.kind === 'step').length },
      native_log_file: 'session.jsonl',
    };
    const posted = steps
      .flatMap((s) => s.tool_calls ?? [])
      .filter((c) => c.ok)
      .map((c) => c.name);
    const counts = [...new Set(posted)].map((n) => `${n} x${posted.filter((p) => p === n).length}`).join(', ');
    const body = `Session ${session} of ${agent}: ${steps.length} trace entries${counts ? `; successful tool calls: ${counts}` : ''}.\n`;
    return {
      session,
      steps: steps.length,
      manifest: `---\n${stringify(frontmatter)}---\n\n${body}`,
      log: steps.map((s) => JSON.stringify(s)).join('\n') + '\n',
      logFile: 'session.jsonl',
    };
  }

  private all(agent: string): TraceStep[] {
    const file = this.file(agent);
    if (!existsSync(file)) return [];
    const steps: TraceStep[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        steps.push(JSON.parse(line) as TraceStep);
      } catch {
        // A line cut by a crash mid-write is skipped; the rest of the trace stays readable.
      }
    }
    return steps;
  }

  private nextSeq(agent: string): number {
    let seq = this.seqs.get(agent);
    if (seq === undefined) {
      const all = this.all(agent);
      seq = all.length ? all[all.length - 1]!.seq : 0;
    }
    seq += 1;
    this.seqs.set(agent, seq);
    return seq;
  }
}
