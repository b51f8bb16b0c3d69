// Trace manifests and the token aggregate as domain logic: the lenient checks, completeness, the bundle path, the list's cursor, null never read as zero, the secret scan.
import { describe, expect, it } from 'vitest';
import { HubError } from '../../../src/hub/hub-error';
import { SecretScanner } from '../../../src/hub/secret-scan';
import {
  completeness,
  manifestSession,
  nativeLogFile,
  sourceSession,
  stampManifest,
  timestampOk,
  validateTraceManifest,
} from '../../../src/hub/trace-manifest';
import { aggregateTraces, digestStats, listTraces } from '../../../src/hub/trace-stats';
import type { TraceRow } from '../../../src/hub/store/trace-store';

const base = { schema_version: 1, harness: 'claude-code', session_id: 's' };

function refusal(work: () => unknown): { code: string; message: string } {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(HubError);
    return err as HubError;
  }
  throw new Error('expected a refusal');
}

function row(agent: string, session: string, fm: Record<string, unknown>, body = ''): TraceRow {
  return {
    agent,
    session_id: session,
    share: 'stats',
    completeness: 'partial',
    promoted_at: 0,
    frontmatter: JSON.stringify({ agent, promoted_at: '2026-06-25 14:32 UTC', ...fm }),
    body,
    log_files: '[]',
  };
}

describe('the trace manifest', () => {
  it('requires only schema_version, harness and session_id; stats may be absent', () => {
    expect(() => validateTraceManifest(base)).not.toThrow();
    for (const field of ['schema_version', 'harness', 'session_id']) {
      const { code, message } = refusal(() => validateTraceManifest({ ...base, [field]: '' }));
      expect(code).toBe('INVALID_FRONTMATTER');
      expect(message).toContain(field);
    }
  });

  it('refuses nonsensical stats: negative or fractional counts, a usage that is not a mapping, bad timestamps', () => {
    for (const fm of [
      { usage: { total_tokens: -1 } },
      { usage: { input_tokens: 1.5 } },
      { usage: { total_tokens: true } },
      { usage: [1] },
      { activity: { tool_calls: -2 } },
      { cost_usd: -0.1 },
      { ended_at: 'yesterday' },
    ])
      expect(refusal(() => validateTraceManifest({ ...base, ...fm })).code, JSON.stringify(fm)).toBe(
        'INVALID_FRONTMATTER',
      );
    expect(() =>
      validateTraceManifest({ ...base, usage: { total_tokens: null }, activity: { tool_calls: 0 }, cost_usd: 0 }),
    ).not.toThrow();
  });

  it('reads ISO 8601 and the collab stamp as timestamps', () => {
    for (const ok of ['2026-06-25T13:50:11Z', '2026-06-25T13:50:11.123+02:00', '2026-06-25', '2026-06-25 14:32 UTC'])
      expect(timestampOk(ok), ok).toBe(true);
    for (const bad of ['', 'not-a-date', '25/06/2026', 42]) expect(timestampOk(bad), String(bad)).toBe(false);
  });

  it('is full only for a known harness with a token total and a tool-call count', () => {
    const stats = { usage: { total_tokens: 10 }, activity: { tool_calls: 0 } };
    expect(completeness({ ...base, ...stats })).toBe('full');
    expect(completeness({ ...base, harness: 'codex', ...stats })).toBe('full');
    expect(completeness({ ...base, harness: 'cursor', ...stats })).toBe('partial');
    expect(completeness({ ...base, usage: { total_tokens: 10 } })).toBe('partial');
  });

  it('takes the bundle folder traces/<session>/ only, and a session_id naming it', () => {
    expect(sourceSession('traces/abc/')).toBe('abc');
    expect(sourceSession('traces/abc')).toBe('abc');
    for (const bad of ['traces/', 'scratch/abc', 'traces/a/b', 'traces/.hidden'])
      expect(refusal(() => sourceSession(bad)).code, bad).toBe('INVALID_PATH');
    expect(manifestSession({ session_id: 'abc' }, 'abc')).toBe('abc');
    expect(manifestSession({ session_id: 42 }, '42')).toBe('42');
    expect(refusal(() => manifestSession({ session_id: 'x' }, 'abc')).code).toBe('INVALID_PATH');
    expect(refusal(() => manifestSession({ session_id: 'a/b' }, 'a')).code).toBe('INVALID_PATH');
  });

  it('names one native log beside the manifest for a full share', () => {
    expect(nativeLogFile({ native_log_file: ' session.jsonl ' })).toBe('session.jsonl');
    expect(refusal(() => nativeLogFile({})).code).toBe('INVALID_FRONTMATTER');
    for (const bad of ['manifest.md', 'sub/log.jsonl', '../x', '.log'])
      expect(refusal(() => nativeLogFile({ native_log_file: bad })).code, bad).toBe('INVALID_PATH');
  });

  it("stamps the server's fields over the client's", () => {
    const stamped = stampManifest(
      { ...base, agent: 'someone-else', via: 'raw', share: 'full' },
      { agent: 'alice', promoted_at: '2026-06-25 14:32 UTC', share: 'stats', completeness: 'partial' },
    );
    expect(stamped).toMatchObject({ agent: 'alice', via: 'bucket', share: 'stats', completeness: 'partial' });
  });
});

describe('the library and the aggregate', () => {
  const rows = [
    row('alice', 'a', {
      harness: 'claude-code',
      model: 'm1',
      started_at: '2026-06-25T10:00:00Z',
      usage: { total_tokens: 100, input_tokens: 60, output_tokens: 40 },
      cost_usd: 1.5,
    }),
    row('alice', 'b', {
      harness: 'codex',
      model: 'm2',
      usage: { total_tokens: 50, reasoning_tokens: 5 },
      cost_usd: 0.25,
    }),
    row('bob', 'c', { harness: 'cursor' }, 'no stats here'),
    row('carol', 'd', { harness: 'x', model: '__proto__', usage: { total_tokens: 7 } }),
  ];

  it('sums reported totals; a session without one counts as missing, never as zero', () => {
    const s = aggregateTraces(rows, 'now');
    expect(s.tokens).toEqual({ total: 157, input: 60, output: 40, cache_read: 0, cache_creation: 0, reasoning: 5 });
    expect(s).toMatchObject({ sessions_counted: 3, sessions_missing_tokens: 1, agents_reporting: 3, cost_usd: 1.75 });
    expect(s.by_day['2026-06-25']!.total).toBe(157);
    expect(s.by_model.m1!.total).toBe(100);
    expect(Object.keys(s.by_model)).toContain('__proto__');
    expect(JSON.parse(JSON.stringify(s.by_model)).__proto__.total).toBe(7);
    expect(digestStats(rows, 'now')).toEqual({ total_tokens: 157, sessions_counted: 3, agents_reporting: 3 });
    expect(digestStats([], 'now')).toBeNull();
    expect(aggregateTraces([row('bob', 'c', {})], 'now').cost_usd).toBeNull();
  });

  it('filters by agent, harness and q; pages with the public cursor', () => {
    expect(listTraces(rows, { agent: 'alice' }).items).toEqual(['alice/b', 'alice/a']);
    expect(listTraces(rows, { harness: 'codex' })).toMatchObject({ count: 4, matched: 1, items: ['alice/b'] });
    expect(listTraces(rows, { q: 'NO STATS' }).items).toEqual(['bob/c']);
    expect(listTraces(rows, { q: 'model: m2' }).items).toEqual(['alice/b']);
    const page = listTraces(rows, { limit: 2, order: 'asc' });
    expect(page.items).toEqual(['alice/a', 'alice/b']);
    expect(page.next).toBe('2026-06-25 14:32 UTC|alice/b');
    expect(listTraces(rows, { limit: 2, order: 'asc', after: page.next! }).items).toEqual(['bob/c', 'carol/d']);
    expect(refusal(() => listTraces(rows, { agent: 'Bad_Id' })).code).toBe('INVALID_PATH');
  });
});

describe('the secret scan', () => {
  const token = 'cda_' + 'x'.repeat(43);

  it('finds a token split across chunks, and says what it found without echoing it', () => {
    const scanner = new SecretScanner('traces/s/session.jsonl');
    scanner.push(Buffer.from('line one\n' + token.slice(0, 10)));
    const { code, message } = refusal(() => scanner.push(Buffer.from(token.slice(10) + '\n')));
    expect(code).toBe('SECRET_IN_FILE');
    expect(message).toContain('Collab Desk token');
    expect(message).not.toContain(token);
  });

  it('finds Hugging Face tokens, not identifiers that start like one', () => {
    expect(refusal(() => new SecretScanner('f').push(`token=hf_${'Ab1'.repeat(12)}`)).message).toContain(
      'Hugging Face token',
    );
    expect(() => new SecretScanner('f').push('from huggingface_hub import hf_hub_download; hf_transfer')).not.toThrow();
    expect(() => new SecretScanner('f').push('Authorization: Bearer <REDACTED>')).not.toThrow();
  });
});
