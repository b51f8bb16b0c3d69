// Sharing an agent's session trace with a published result (/v1/traces on the public collab): which session, stats or full, the manifest naming the public result, and what never leaves; against the Hub and public-collab stand-ins.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataLayout } from '../../src/platform/data-folder';
import { HELD_OUT_FOLDER } from '../../src/shared/held-out-set';
import type { OutboxItem, OutboxList, PublishPreview } from '../../src/shared/sync-api';
import { createSyncService, fileTokenVault } from '../../src/sync/sync-service';
import { startHfBucketStandin, type HfBucketStandin } from '../helpers/hf-bucket-standin';
import { startPublicCollabStandin, type PublicCollabStandin } from '../helpers/public-collab-standin';
import { resultMarkdown } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';
import { installPack } from '../unit/hub/test-record';

const ORG = 'gemma-challenge';
const ADA = 'hf_ada_shares_her_traces_0000000000000001';
const AGENT = 'ada-trace';
const LOG = '{"type":"user","message":{"role":"user","content":"make decode faster"}}\n{"type":"assistant"}\n';

let hf: HfBucketStandin;
let collab: PublicCollabStandin;
let hfHome: string;
const hub = withHub();
let alice: string;

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const org = <T = any>(method: string, path: string, body?: unknown) =>
  hub.call<T>(method, path, { token: hub.organizerToken, ...(body === undefined ? {} : { body }) });

function manifest(session: string, fields: Record<string, unknown> = {}): string {
  const fm = {
    schema_version: 1,
    harness: 'claude-code',
    session_id: session,
    model: 'gemma-4-E4B',
    started_at: '2026-12-03T10:00:00Z',
    native_log_file: 'session.jsonl',
    usage: { input_tokens: 1200, output_tokens: 300, total_tokens: 1500 },
    activity: { tool_calls: 7 },
    ...fields,
  };
  return `---\n${JSON.stringify(fm, null, 2)}\n---\n\nTried draft n=6 and kept it.\n`;
}

/** Alice shares a session on this hub, as an agent does: the bundle in her scratch folder, then POST /v1/traces. */
async function shareLocally(session: string, share: 'stats' | 'full', fields: Record<string, unknown>, log = LOG) {
  const client = hub.client(alice);
  await client.writeScratch('alice', `traces/${session}/manifest.md`, manifest(session, fields));
  await client.writeScratch('alice', `traces/${session}/session.jsonl`, log);
  const res = await hub.call('POST', '/v1/traces', { token: alice, body: { source: `traces/${session}/`, share } });
  expect(res.status, res.text).toBe(201);
}

async function localResult(fields: Record<string, unknown>): Promise<string> {
  const res = await hub.call('POST', '/v1/results', { token: alice, body: { content: resultMarkdown(fields, 'x') } });
  expect(res.status, res.text).toBe(201);
  return res.body.filename as string;
}

async function settled(id: string): Promise<OutboxItem> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const item = (await org<OutboxList>('GET', '/v1/sync/outbox?limit=500')).body.items.find((i) => i.id === id);
    if (item && ['sent', 'failed', 'cancelled'].includes(item.state)) return item;
    if (Date.now() > deadline) throw new Error(`outbox item ${id}: ${JSON.stringify(item)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  hfHome = mkdtempSync(join(tmpdir(), 'collab-desk-hf-home-'));
  hf = await startHfBucketStandin({ users: [{ name: 'ada', token: ADA, orgs: [{ name: ORG, role: 'write' }] }] });
  collab = await startPublicCollabStandin({ hf, org: ORG, slug: 'gemma', registration: 'server-creates' });
  alice = await hub.register('alice');
  const sync = createSyncService({
    dataFolder: hub.dataDir,
    hfEndpoint: hf.url,
    record: hub.running.hub.outboxRecord,
    vault: fileTokenVault(dataLayout(hub.dataDir).hfLogin, { HF_HOME: hfHome } as NodeJS.ProcessEnv),
    backoffMs: 20,
    maxAttempts: 4,
  });
  hub.running.attachSync(sync);
  sync.start();
  expect((await org('POST', '/v1/sync/login', { token: ADA })).status).toBe(200);
  expect((await org('POST', '/v1/sync/collabs', { target: collab.apiUrl })).status).toBe(201);
  const reg = await org('POST', '/v1/sync/agents', { collab: `${ORG}/gemma`, agent_id: AGENT, model: 'gemma-4-E4B' });
  expect(reg.status, reg.text).toBe(201);
});

afterAll(async () => {
  await collab?.close();
  await hf?.close();
  rmSync(hfHome, { recursive: true, force: true });
});

describe('a trace shared with a result', () => {
  it('full: the log and the manifest leave, the manifest names the public result, the collab lists the session', async () => {
    const result = await localResult({ tps: 150, description: 'with its trace' });
    await shareLocally('sess-full', 'full', { result_ref: result });
    const body = { result, collab: `${ORG}/gemma`, agent: AGENT, trace: 'full' };
    const preview = (await org<PublishPreview>('POST', '/v1/sync/preview', body)).body;
    const manifestFile = preview.files.find((f) => f.path === 'traces/sess-full/manifest.md')!;
    const logFile = preview.files.find((f) => f.path === 'traces/sess-full/session.jsonl')!;
    expect(logFile.text).toBe(LOG);
    // The hub's own stamps stay here: the public collab stamps its own.
    expect(manifestFile.text).not.toMatch(/^promoted_at:|^via:|^agent:/m);
    expect(manifestFile.text).toMatch(/result_ref: PUBLIC-RESULT-FILENAME-SET-WHEN-PROMOTED/);
    expect(preview.calls).toContainEqual({
      method: 'POST',
      path: '/v1/traces',
      body: { source: `hf://buckets/${ORG}/gemma-${AGENT}/traces/sess-full/`, share: 'full' },
    });

    const queued = await org<OutboxItem>('POST', '/v1/sync/publish', { ...body, digest: preview.digest });
    expect(queued.status, queued.text).toBe(202);
    const done = await settled(queued.body.id);
    expect(done.state, JSON.stringify(done.error)).toBe('sent');
    expect(done.steps.map((s) => s.step)).toEqual(['upload', 'promote', 'artifacts', 'trace']);
    // The session's files go up only once the result is promoted: the first upload holds the result and its bundle.
    expect(done.steps[0]!.detail).toMatch(/^\d+ files/);
    expect(done.steps.find((s) => s.step === 'trace')!.detail).toBe(`traces/${AGENT}/sess-full/`);
    const central = collab.traces();
    const published = central.get(`traces/${AGENT}/sess-full/manifest.md`)!.toString('utf8');
    expect(published).toContain(`result_ref: ${done.public_filename}`);
    expect(published).toMatch(/share: full/);
    expect(sha(central.get(`traces/${AGENT}/sess-full/session.jsonl`)!)).toBe(logFile.sha256);
    // Every other byte in the bucket is the previewed one; the manifest differs only by the public filename.
    const bucket = hf.files(`${ORG}/gemma-${AGENT}`);
    for (const f of preview.files.filter((x) => x !== manifestFile))
      expect(sha(bucket.get(f.path)!), f.path).toBe(f.sha256);
    expect(bucket.get(manifestFile.path)!.toString('utf8')).toBe(
      manifestFile.text!.replace('PUBLIC-RESULT-FILENAME-SET-WHEN-PROMOTED', done.public_filename!),
    );
  });

  it('stats: only the manifest leaves, and the preview says the log stays', async () => {
    const result = await localResult({ tps: 151, description: 'stats only' });
    await shareLocally('sess-stats', 'full', { result_ref: result });
    const body = { result, collab: `${ORG}/gemma`, agent: AGENT, trace: 'stats', bundle: false };
    const preview = (await org<PublishPreview>('POST', '/v1/sync/preview', body)).body;
    expect(preview.files.map((f) => f.path)).not.toContain('traces/sess-stats/session.jsonl');
    expect(preview.withheld.join('\n')).toMatch(/native log of session sess-stats/);
    // It names no log the collab would never receive.
    expect(preview.files.find((f) => f.path === 'traces/sess-stats/manifest.md')!.text).not.toMatch(/native_log_file/);
    const queued = await org<OutboxItem>('POST', '/v1/sync/publish', { ...body, digest: preview.digest });
    const done = await settled(queued.body.id);
    expect(done.state, JSON.stringify(done.error)).toBe('sent');
    expect(collab.traces().get(`traces/${AGENT}/sess-stats/manifest.md`)!.toString('utf8')).toMatch(/share: stats/);
    expect(collab.traces().has(`traces/${AGENT}/sess-stats/session.jsonl`)).toBe(false);
  });

  it('names the session to share when none names the result, and refuses a full share of a stats-only session', async () => {
    const result = await localResult({ tps: 152, description: 'no trace names it' });
    const base = { result, collab: `${ORG}/gemma`, agent: AGENT };
    const none = await org('POST', '/v1/sync/preview', { ...base, trace: 'stats' });
    expect(none.status).toBe(404);
    expect(none.body.error.message).toContain(`names ${result}`);
    expect(none.body.error.hint).toMatch(/trace_session.*sess-full/);
    await shareLocally('sess-counts', 'stats', {});
    const named = await org<PublishPreview>('POST', '/v1/sync/preview', {
      ...base,
      trace: 'stats',
      trace_session: 'sess-counts',
    });
    expect(named.status, named.text).toBe(200);
    const full = await org('POST', '/v1/sync/preview', { ...base, trace: 'full', trace_session: 'sess-counts' });
    expect(full.status).toBe(404);
    expect(full.body.error.hint).toMatch(/share it with stats/);
    const alone = await org('POST', '/v1/sync/preview', { ...base, trace_session: 'sess-counts' });
    expect(alone.status).toBe(400);
  });

  it('a held-out prompt in the trace log: refused, naming the log, nothing uploaded', async () => {
    installPack(hub.running.hub);
    const prompt = 'Describe how a lighthouse keeper in 1890 logged the passing ships and the weather every night.';
    writeFileSync(
      join(dirname(hub.running.hub.layout.challengePack), HELD_OUT_FOLDER, 'planted-trace.json'),
      JSON.stringify({
        pack: 'tiny',
        source: 'organizer',
        drawn_at: '2026-12-01',
        prompts: [{ id: 'p', text: prompt }],
      }),
    );
    const result = await localResult({ tps: 153, description: 'leaky trace' });
    await shareLocally('sess-leak', 'full', { result_ref: result }, `{"content":${JSON.stringify(prompt)}}\n`);
    const requests = hf.requests.length;
    const res = await org('POST', '/v1/sync/preview', { result, collab: `${ORG}/gemma`, agent: AGENT, trace: 'full' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('PRIVATE_CONTENT');
    expect(res.body.error.message).toContain("the trace sess-leak's log");
    expect(res.text).not.toContain(prompt.slice(0, 30));
    // Shared as stats, the log stays here, and the manifest is clean: that may leave.
    const stats = await org('POST', '/v1/sync/preview', {
      result,
      collab: `${ORG}/gemma`,
      agent: AGENT,
      trace: 'stats',
    });
    expect(stats.status, stats.text).toBe(200);
    expect(hf.requests.length).toBe(requests);
  });

  it('a held-out prompt with quotes and line breaks, inside a JSON Lines log, is found all the same', async () => {
    const prompt =
      'Summarize the "harbour master\'s" logbook entry for 3 March.\nThen list every ship that left before noon, by flag.';
    writeFileSync(
      join(dirname(hub.running.hub.layout.challengePack), HELD_OUT_FOLDER, 'planted-jsonl.json'),
      JSON.stringify({
        pack: 'tiny',
        source: 'organizer',
        drawn_at: '2026-12-01',
        prompts: [{ id: 'q', text: prompt }],
      }),
    );
    const result = await localResult({ tps: 154, description: 'jsonl trace' });
    // As Claude Code writes its session: one JSON object per line, the prompt's quotes and line break escaped.
    const log = [
      JSON.stringify({ type: 'system', subtype: 'init' }),
      JSON.stringify({ type: 'user', message: { role: 'user', content: `Here is one: ${prompt}` } }),
      '',
    ].join('\n');
    await shareLocally('sess-jsonl', 'full', { result_ref: result }, log);
    const res = await org('POST', '/v1/sync/preview', { result, collab: `${ORG}/gemma`, agent: AGENT, trace: 'full' });
    expect(res.status, res.text).toBe(422);
    expect(res.body.error.code).toBe('PRIVATE_CONTENT');
    expect(res.body.error.message).toContain("the trace sess-jsonl's log");
  });
});
