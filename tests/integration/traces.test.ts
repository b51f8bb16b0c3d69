// Traces and stats as the public collab has them: share a session (stats or full), the manifest rules, the library, the token aggregate, the digest line, tokens never published, the swarm's export.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { superviseBeside } from '../../src/agents/supervisor';
import type { SwarmAgentStatus, TraceExport } from '../../src/shared/swarm';
import type { TraceList, TracePosted, TraceRecord, TraceStats, TraceSummary } from '../../src/shared/traces-api';
import { eventData, SseClient } from '../helpers/sse-client';
import { withHub } from '../helpers/with-hub';

const USAGE = {
  input_tokens: 1000,
  output_tokens: 200,
  cache_read_tokens: 5000,
  cache_creation_tokens: 300,
  total_tokens: 6500,
};

/** A manifest as the public share_trace.py writes it: JSON frontmatter (valid YAML), an optional body. */
function manifest(fields: Record<string, unknown> = {}, body = 'Swept BPE vocab; 32k won.'): string {
  const fm: Record<string, unknown> = {
    schema_version: 1,
    harness: 'claude-code',
    session_id: 'sess-1',
    model: 'claude-opus-4-8',
    started_at: '2026-06-25T13:50:11Z',
    ended_at: '2026-06-25T14:30:11Z',
    usage: USAGE,
    activity: { tool_calls: 18, tool_calls_by_name: { Bash: 18 } },
    ...fields,
  };
  for (const [k, v] of Object.entries(fm)) if (v === undefined) delete fm[k];
  return `---\n${JSON.stringify(fm, null, 2)}\n---\n${body ? `\n${body}\n` : ''}`;
}

const LOG = '{"type":"user","message":{"role":"user","content":"hi"}}\n{"type":"assistant"}\n';

describe('sharing a session: POST /v1/traces', () => {
  const hub = withHub();
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    alice = await hub.register('alice');
    bob = await hub.register('bob');
  });

  async function stage(token: string, agent: string, session: string, files: Record<string, string>): Promise<void> {
    const client = hub.client(token);
    for (const [name, content] of Object.entries(files))
      await client.writeScratch(agent, `traces/${session}/${name}`, content);
  }

  const share = (token: string | undefined, body: Record<string, unknown>) =>
    hub.call('POST', '/v1/traces', { ...(token ? { token } : {}), body });
  const central = (path: string) => join(hub.dataDir, 'central', path);

  it('shares stats: the stamped manifest goes to central, the log stays in scratch', async () => {
    await stage(alice, 'alice', 'sess-1', { 'manifest.md': manifest(), 'session.jsonl': LOG });
    const res = await share(alice, { source: 'traces/sess-1/' });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      session_id: 'sess-1',
      agent: 'alice',
      share: 'stats',
      path: 'traces/alice/sess-1/',
      files_copied: 0,
      bytes_copied: 0,
      completeness: 'full',
    } satisfies TracePosted);
    const stamped = readFileSync(central('traces/alice/sess-1/manifest.md'), 'utf8');
    expect(stamped).toContain('agent: alice');
    expect(stamped).toContain('via: bucket');
    expect(stamped).toMatch(/promoted_at: \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(existsSync(central('traces/alice/sess-1/session.jsonl'))).toBe(false);
  });

  it('upgrades the same session to full: the declared native log is copied, a stale file beside it is not', async () => {
    await stage(alice, 'alice', 'sess-1', {
      'manifest.md': manifest({ native_log_file: 'session.jsonl' }),
      'stale.jsonl': '{"stale":true}\n',
    });
    const res = await share(alice, { source: 'traces/sess-1', share: 'full' });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ share: 'full', files_copied: 1, bytes_copied: Buffer.byteLength(LOG) });
    expect(readFileSync(central('traces/alice/sess-1/session.jsonl'), 'utf8')).toBe(LOG);
    expect(existsSync(central('traces/alice/sess-1/stale.jsonl'))).toBe(false);
    const detail = await hub.client().sharedTrace('alice', 'sess-1');
    expect(detail.log_files).toEqual(['traces/alice/sess-1/session.jsonl']);
    expect(detail.frontmatter).toMatchObject({ share: 'full', agent: 'alice', native_log_file: 'session.jsonl' });
    const served = await hub.client().readCentral('traces/alice/sess-1/session.jsonl');
    expect(Buffer.from(served.bytes).toString('utf8')).toBe(LOG);
  });

  it("takes the public client's source, hf://buckets/<org>/<collab>-<agent>/traces/<session>", async () => {
    const v1 = (await hub.call('GET', '/v1')).body as {
      org: string;
      collab: string;
      endpoints: Array<{ method: string; path: string }>;
    };
    // share_trace.py promotes only where GET /v1 lists POST /v1/traces.
    expect(v1.endpoints).toContainEqual(expect.objectContaining({ method: 'POST', path: '/v1/traces' }));
    await stage(bob, 'bob', 'cx-1', { 'manifest.md': manifest({ session_id: 'cx-1', harness: 'codex' }) });
    const res = await share(bob, { source: `hf://buckets/${v1.org}/${v1.collab}-bob/traces/cx-1`, share: 'stats' });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ agent: 'bob', session_id: 'cx-1', completeness: 'full' });
  });

  describe('manifest errors, in the public codes', () => {
    const refused = async (
      agent: string,
      token: string,
      session: string,
      files: Record<string, string>,
      body: Record<string, unknown> = {},
    ) => {
      await stage(token, agent, session, files);
      return share(token, { source: `traces/${session}/`, ...body });
    };

    it('missing schema_version or session_id: 400 INVALID_FRONTMATTER', async () => {
      const res = await refused('alice', alice, 'bad-1', {
        'manifest.md': manifest({ schema_version: undefined, session_id: undefined }),
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_FRONTMATTER');
      expect(res.body.error.message).toContain('schema_version');
    });

    it('a session_id that is not the folder name: 400 INVALID_PATH', async () => {
      const res = await refused('alice', alice, 'bad-2', { 'manifest.md': manifest({ session_id: 'other' }) });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_PATH');
      expect(res.body.error.hint).toContain('other');
    });

    it('negative or fractional token counts, unparseable timestamps: 400', async () => {
      for (const fields of [
        { usage: { total_tokens: -5 } },
        { usage: { total_tokens: 12.7 } },
        { started_at: 'not-a-date' },
      ]) {
        const res = await refused('alice', alice, 'bad-3', {
          'manifest.md': manifest({ session_id: 'bad-3', ...fields }),
        });
        expect(res.status, JSON.stringify(fields)).toBe(400);
        expect(res.body.error.code).toBe('INVALID_FRONTMATTER');
      }
    });

    it('no manifest.md, or a source outside traces/<session>/: 400 INVALID_PATH', async () => {
      const missing = await refused('alice', alice, 'bad-4', { 'session.jsonl': LOG });
      expect(missing.status).toBe(400);
      expect(missing.body.error.code).toBe('INVALID_PATH');
      expect(missing.body.error.message).toContain('manifest.md');
      await hub.client(alice).writeScratch('alice', 'notes/sess/manifest.md', manifest({ session_id: 'sess' }));
      const elsewhere = await share(alice, { source: 'notes/sess/' });
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.body.error.code).toBe('INVALID_PATH');
    });

    it('full without native_log_file: 400 INVALID_FRONTMATTER; a declared log that is absent: 400 INVALID_PATH', async () => {
      const undeclared = await refused(
        'alice',
        alice,
        'bad-5',
        { 'manifest.md': manifest({ session_id: 'bad-5' }) },
        { share: 'full' },
      );
      expect(undeclared.status).toBe(400);
      expect(undeclared.body.error.code).toBe('INVALID_FRONTMATTER');
      const absent = await refused(
        'alice',
        alice,
        'bad-6',
        { 'manifest.md': manifest({ session_id: 'bad-6', native_log_file: 'gone.jsonl' }) },
        { share: 'full' },
      );
      expect(absent.status).toBe(400);
      expect(absent.body.error.code).toBe('INVALID_PATH');
      expect((await hub.call('GET', '/v1/traces/alice/bad-6')).status).toBe(404);
    });

    it("another agent's bucket: 403 BUCKET_NOT_OWNED_BY_CALLER; no identity at all: 401", async () => {
      const v1 = (await hub.call('GET', '/v1')).body as { org: string; collab: string };
      const theirs = await share(bob, { source: `hf://buckets/${v1.org}/${v1.collab}-alice/traces/sess-1` });
      expect(theirs.status).toBe(403);
      expect(theirs.body.error.code).toBe('BUCKET_NOT_OWNED_BY_CALLER');
      expect((await share(undefined, { source: 'traces/sess-1/' })).status).toBe(401);
    });
  });

  describe('tokens are never published', () => {
    it("a log holding the agent's own token: 422 SECRET_IN_FILE, nothing copied, nothing recorded, the token not echoed", async () => {
      await stage(alice, 'alice', 'leak-1', {
        'manifest.md': manifest({ session_id: 'leak-1', native_log_file: 'session.jsonl' }),
        'session.jsonl': `${LOG}{"type":"tool","output":"Authorization: Bearer ${alice}"}\n`,
      });
      const res = await share(alice, { source: 'traces/leak-1/', share: 'full' });
      expect(res.status, res.text).toBe(422);
      expect(res.body.error.code).toBe('SECRET_IN_FILE');
      expect(res.text).not.toContain(alice);
      expect(existsSync(central('traces/alice/leak-1/session.jsonl'))).toBe(false);
      expect(existsSync(central('traces/alice/leak-1/manifest.md'))).toBe(false);
      expect((await hub.call('GET', '/v1/traces/alice/leak-1')).status).toBe(404);
    });

    it("a manifest holding the organizer's token or a Hugging Face token is refused, even for stats", async () => {
      for (const secret of [hub.organizerToken, `hf_${'aB3'.repeat(12)}`]) {
        await stage(alice, 'alice', 'leak-2', {
          'manifest.md': manifest({ session_id: 'leak-2' }, `debug: ${secret}`),
        });
        const res = await share(alice, { source: 'traces/leak-2/' });
        expect(res.status).toBe(422);
        expect(res.body.error.code).toBe('SECRET_IN_FILE');
        expect(res.text).not.toContain(secret);
      }
      expect(existsSync(central('traces/alice/leak-2/manifest.md'))).toBe(false);
    });

    it('a log redacted as share_trace.py redacts it is published', async () => {
      await stage(alice, 'alice', 'leak-3', {
        'manifest.md': manifest({ session_id: 'leak-3', native_log_file: 'session.jsonl' }),
        'session.jsonl': `{"output":"Authorization: Bearer <REDACTED>"}\n`,
      });
      expect((await share(alice, { source: 'traces/leak-3/', share: 'full' })).status).toBe(201);
    });
  });
});

describe('the library: GET /v1/traces, /v1/traces/{agent}/{session}, /v1/stats and the digest', () => {
  const hub = withHub();
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    alice = await hub.register('alice');
    bob = await hub.register('bob');
  });

  it('the digest has no stats before a session is shared; /v1/stats counts nothing', async () => {
    expect((await hub.client().digest()).stats).toBeNull();
    const stats = await hub.client().stats();
    expect(stats).toMatchObject({
      sessions_counted: 0,
      sessions_missing_tokens: 0,
      agents_reporting: 0,
      cost_usd: null,
    });
    expect(stats.tokens.total).toBe(0);
  });

  it('lists, filters, pages and reads shared sessions; aggregates tokens, never counting unknown as zero', async () => {
    const a = hub.client(alice);
    await a.writeScratch('alice', 'traces/a/manifest.md', manifest({ session_id: 'a', cost_usd: 4 }));
    await a.writeScratch('alice', 'traces/a/session.jsonl', LOG);
    await a.writeScratch(
      'alice',
      'traces/a/manifest.md',
      manifest({ session_id: 'a', cost_usd: 4, native_log_file: 'session.jsonl' }),
    );
    expect((await a.shareTrace({ source: 'traces/a/', share: 'full' })).files_copied).toBe(1);
    const b = hub.client(bob);
    // A harness without an adapter: no tokens, no tool calls; shared all the same, as partial.
    await b.writeScratch(
      'bob',
      'traces/b/manifest.md',
      manifest({ session_id: 'b', harness: 'cursor', model: undefined, usage: undefined, activity: undefined }, ''),
    );
    expect((await b.shareTrace({ source: 'traces/b/' })).completeness).toBe('partial');

    const ids = await hub.client().traces();
    expect(ids).toMatchObject({ count: 2, matched: 2, next: null });
    expect([...ids.items].sort()).toEqual(['alice/a', 'bob/b']);

    const cc = await hub.client().traces({ harness: 'claude-code', expand: true });
    expect(cc).toMatchObject({ count: 2, matched: 1 });
    const item = cc.items[0] as TraceSummary;
    expect(item).toMatchObject({
      agent: 'alice',
      session_id: 'a',
      harness: 'claude-code',
      total_tokens: 6500,
      tool_calls: 18,
      share: 'full',
      primary_log_file: 'traces/alice/a/session.jsonl',
    });
    expect(item.summary_excerpt).toContain('Swept BPE');

    const first = await hub.client().traces({ limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.next).not.toBeNull();
    const second = await hub.client().traces({ limit: 1, before: first.next! });
    expect(second.items).toHaveLength(1);
    expect(second.items[0]).not.toEqual(first.items[0]);

    const detail: TraceRecord = await hub.client().sharedTrace('bob', 'b');
    expect(detail).toMatchObject({ agent: 'bob', session_id: 'b', path: 'traces/bob/b/', log_files: [] });
    expect(detail.frontmatter).toMatchObject({ agent: 'bob', completeness: 'partial', share: 'stats' });
    const nope = await hub.call('GET', '/v1/traces/bob/nope');
    expect(nope.status).toBe(404);
    expect(nope.body.error.code).toBe('NOT_FOUND');

    const stats: TraceStats = await hub.client().stats();
    expect(stats.tokens).toEqual({
      total: 6500,
      input: 1000,
      output: 200,
      cache_read: 5000,
      cache_creation: 300,
      reasoning: 0,
    });
    expect(stats).toMatchObject({ sessions_counted: 1, sessions_missing_tokens: 1, agents_reporting: 2, cost_usd: 4 });
    expect(stats.by_agent.alice!.total).toBe(6500);
    expect(stats.by_model['claude-opus-4-8']!.total).toBe(6500);
    expect(stats.by_day['2026-06-25']!.total).toBe(6500);

    expect((await hub.client().digest()).stats).toEqual({
      total_tokens: 6500,
      sessions_counted: 1,
      agents_reporting: 2,
    });
  });

  it('a share is announced on the live stream as trace.shared', async () => {
    const events = await SseClient.connect(`${hub.url}/v1/events`);
    try {
      const a = hub.client(alice);
      await a.writeScratch('alice', 'traces/c/manifest.md', manifest({ session_id: 'c' }));
      await a.shareTrace({ source: 'traces/c/' });
      const e = await events.waitFor((ev) => ev.type === 'trace.shared', 'the trace.shared event');
      expect(eventData<{ target: string }>(e).target).toBe('alice/c');
    } finally {
      await events.close();
    }
  });

  it('the list is lenient as public: unknown parameters ignored, an invalid agent refused by name', async () => {
    expect((await hub.call<TraceList>('GET', '/v1/traces?cachebust=1&order=ASC')).status).toBe(200);
    const bad = await hub.call('GET', '/v1/traces?agent=Not_An_Id');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_PATH');
  });
});

describe("the swarm's export shares through POST /v1/traces", () => {
  const hub = withHub();

  it("an external agent's session, exported full, is in the library with its log, and its token is not", async () => {
    superviseBeside(hub.running, { stepDelayMs: 0, restart: { baseMs: 200 } });
    const events = await SseClient.connect(`${hub.url}/v1/events`, {
      headers: { authorization: `Bearer ${hub.organizerToken}` },
    });
    try {
      const spawned = await hub.call<{ agents: SwarmAgentStatus[] }>('POST', '/v1/swarm/agents', {
        token: hub.organizerToken,
        body: {
          kind: 'external',
          name: 'echo',
          // It prints its own token: the trace keeps it redacted, and the shared log never holds it.
          command: `node -e 'console.log("measuring the q8 draft " + process.env.COLLAB_DESK_TOKEN)' -- {prompt_file}`,
          accept_unsandboxed: true,
        },
      });
      expect(spawned.status, spawned.text).toBe(201);
      const agentId = spawned.body.agents[0]!.agent_id;
      await events.waitFor(
        (e) => {
          const agent = e.type === 'agent.status' ? eventData<{ agent: SwarmAgentStatus }>(e).agent : null;
          return agent?.agent_id === agentId && ['stopped', 'failed', 'backoff'].includes(agent.state);
        },
        `${agentId} to exit`,
        30_000,
      );
      const exported = await hub.call<TraceExport>('POST', `/v1/swarm/agents/${agentId}/trace/export?share=full`, {
        token: hub.organizerToken,
      });
      expect(exported.status, exported.text).toBe(201);
      expect(exported.body.shared).toMatchObject({
        agent: agentId,
        share: 'full',
        files_copied: 1,
        completeness: 'partial',
        path: `traces/${agentId}/${exported.body.session_id}/`,
      });
      const detail = await hub.client().sharedTrace(agentId, exported.body.session_id);
      expect(detail.log_files).toEqual([`traces/${agentId}/${exported.body.session_id}/session.jsonl`]);
      const log = Buffer.from((await hub.client().readCentral(detail.log_files[0]!)).bytes).toString('utf8');
      expect(log).toContain('measuring the q8 draft');
      expect(log).toContain('[redacted]');
      expect(log).not.toMatch(/cda_[A-Za-z0-9_-]{43}/);
      const stats = await hub.client().stats();
      expect(stats.agents_reporting).toBe(1);
      expect(stats.sessions_missing_tokens).toBe(1);
    } finally {
      await events.close();
    }
  }, 60_000);
});
