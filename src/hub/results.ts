// Publishing results: frontmatter checked against the configured score and required fields, stamped, deduplicated.
import type { ResultsConfig } from '../shared/config';
import type { ResultBody, ResultCreated } from '../shared/api';
import { frontmatterTimestamp, stampedFilename } from '../shared/ids';
import { decodeUtf8, rateLimitWrite, sha256 } from './board';
import { scratchPathOf } from './bucket-source';
import type { HubContext } from './hub-context';
import { HubError } from './hub-error';
import { authorOf, type Caller } from './identity';
import { parseMarkdown } from './markdown';

/** What publishing needs: the result rules and limits, the caller's scratch folder, the challenge, the write path. */
export type PublishContext = Pick<
  HubContext,
  'config' | 'limiter' | 'workspace' | 'challenge' | 'results' | 'organizerHandle' | 'write' | 'stampTime'
>;

export const RESULT_STATUSES = ['agent-run', 'negative'] as const;

const TEMPLATE_HINT = (c: ResultsConfig) =>
  `start the file with:\n---\n${c.required.map((f) => `${f}: ${f === c.score_field ? '123.4' : f === 'status' ? 'agent-run' : f === c.guardrail_field ? '2.31' : '...'}`).join('\n')}\n---`;

function positiveNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** The checks a result's frontmatter must pass; each refusal names the field and how to fix it. */
export function checkResultFrontmatter(
  fm: Record<string, unknown>,
  c: ResultsConfig,
): {
  score: number;
  score_low: number | null;
  score_high: number | null;
  guardrail: number | null;
  status: string;
  method: string;
  description: string;
} {
  const fail = (message: string) => new HubError('INVALID_FRONTMATTER', message, TEMPLATE_HINT(c));
  for (const field of c.required) {
    if (fm[field] === undefined || fm[field] === null || fm[field] === '')
      throw fail(`result frontmatter missing required field: ${field}`);
  }
  const score = fm[c.score_field];
  if (!positiveNumber(score))
    throw fail(`\`${c.score_field}\` must be a positive number, got ${JSON.stringify(score ?? null)}`);
  const status = fm.status ?? 'agent-run';
  if (typeof status !== 'string' || !(RESULT_STATUSES as readonly string[]).includes(status)) {
    throw fail(`\`status\` must be one of ${RESULT_STATUSES.join(', ')}, got ${JSON.stringify(status)}`);
  }
  let guardrail: number | null = null;
  if (c.guardrail_field !== null && fm[c.guardrail_field] !== undefined) {
    const g = fm[c.guardrail_field];
    if (!positiveNumber(g)) throw fail(`\`${c.guardrail_field}\` must be a positive number, got ${JSON.stringify(g)}`);
    guardrail = g;
  }
  for (const field of ['method', 'description']) {
    const v = fm[field];
    if (v !== undefined && (typeof v !== 'string' || v.trim() === ''))
      throw fail(`\`${field}\` must be a non-empty string`);
  }
  for (const field of c.required) {
    const v = fm[field];
    if (typeof v === 'string' && v.trim() === '') throw fail(`\`${field}\` must be a non-empty string`);
  }
  const ci = fm[`${c.score_field}_ci`];
  let interval: [number, number] | null = null;
  if (ci !== undefined) {
    if (
      !Array.isArray(ci) ||
      ci.length !== 2 ||
      !ci.every((x) => typeof x === 'number' && Number.isFinite(x)) ||
      ci[0] > ci[1]
    ) {
      throw fail(`\`${c.score_field}_ci\` must be [low, high], the score's 95% interval, got ${JSON.stringify(ci)}`);
    }
    interval = [ci[0] as number, ci[1] as number];
  }
  return {
    score,
    score_low: interval?.[0] ?? null,
    score_high: interval?.[1] ?? null,
    guardrail,
    status,
    method: (fm.method as string | undefined) ?? '',
    description: (fm.description as string | undefined) ?? '',
  };
}

/**
 * Whether this hub measures results itself (a challenge is installed): then a result published by hand, which no job
 * of this hub measured, is unverified until a re-run says otherwise. A collab without a challenge has no measurement
 * of its own, and its results are pending as on the public collab.
 */
function measuresResults(hub: Pick<HubContext, 'challenge'>): boolean {
  try {
    return hub.challenge.get() !== null;
  } catch {
    return true; // a pack is installed, if broken: its results still need measuring
  }
}

export async function publishResult(hub: PublishContext, caller: Caller, req: ResultBody): Promise<ResultCreated> {
  const author = authorOf(hub, caller, req.agent_id);
  if ((req.source === undefined) === (req.content === undefined)) {
    throw new HubError(
      'BODY_OR_SOURCE_REQUIRED',
      'send exactly one of "source" (a markdown file in your scratch folder) or "content" (the markdown itself)',
      '{"source": "results/run-1.md"}',
    );
  }
  const max = hub.config.limits.message_body_bytes;
  let bytes: Buffer;
  let via: 'bucket' | 'raw' | 'dashboard';
  if (req.source !== undefined) {
    if (caller.kind !== 'agent')
      throw new HubError(
        'INVALID_BODY',
        'the organizer has no scratch folder to publish from',
        'send {"content": "..."} instead',
      );
    // The bucket is checked before the budget is spent: a refused source costs nothing, as on the public collab.
    const path = scratchPathOf(hub, caller, req.source);
    rateLimitWrite(hub, caller);
    bytes = await hub.workspace.readSource(caller.handle, path, max);
    via = 'bucket';
  } else {
    bytes = Buffer.from(req.content!, 'utf8');
    if (bytes.length > max)
      throw new HubError(
        'PAYLOAD_TOO_LARGE',
        `the result is longer than ${max} bytes`,
        'keep the detail in an artifact and link it',
      );
    rateLimitWrite(hub, caller);
    via = caller.kind === 'organizer' ? 'dashboard' : 'raw';
  }
  const { frontmatter: fm, body } = parseMarkdown(decodeUtf8(bytes, req.source ? `"${req.source}"` : 'content'));
  const checked = checkResultFrontmatter(fm, hub.config.results);
  const digest = sha256(bytes);
  return hub.write(() => {
    const existing = hub.results.filenameOfSource(digest);
    if (existing)
      throw new HubError(
        'ALREADY_PROMOTED',
        'these exact bytes were already published',
        `existing filename: ${existing}`,
      );
    const ts = hub.stampTime();
    const filename = stampedFilename(ts, author);
    const frontmatter = { ...fm, agent: author, timestamp: frontmatterTimestamp(ts), via };
    const hardware = typeof fm.hardware === 'string' && fm.hardware.trim() ? fm.hardware.trim().slice(0, 300) : null;
    const verification = measuresResults(hub) ? 'unverified' : 'pending';
    hub.results.insert({
      filename,
      agent: author,
      ts,
      via,
      source_sha256: digest,
      ...checked,
      frontmatter: JSON.stringify(frontmatter),
      body,
      verification,
      hardware,
    });
    return {
      result: { filename, via, path: `results/${filename}` },
      effect: {
        actor: author,
        action: 'result.created',
        target: filename,
        detail: { score: checked.score, status: checked.status },
      },
    };
  });
}
