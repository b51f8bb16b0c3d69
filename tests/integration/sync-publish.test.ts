// Publishing to a public collab through the hub's /v1/sync routes and the real sync service: register, preview, publish, the outbox under faults; against the Hub and public-collab stand-ins.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollabAgent, OutboxItem, OutboxList, PublishPreview, SyncStatus } from '../../src/shared/sync-api';
import { dataLayout } from '../../src/platform/data-folder';
import { HELD_OUT_FOLDER } from '../../src/shared/held-out-set';
import { createSyncService, fileTokenVault } from '../../src/sync/sync-service';
import { startHfBucketStandin, type HfBucketStandin } from '../helpers/hf-bucket-standin';
import { startPublicCollabStandin, type PublicCollabStandin } from '../helpers/public-collab-standin';
import { eventData, SseClient } from '../helpers/sse-client';
import { resultMarkdown } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';
import { installPack } from '../unit/hub/test-record';

const ORG = 'gemma-challenge';
const ADA = 'hf_ada_writes_gemma_challenge_000000000001';
const ADA_NEW = 'hf_ada_second_login_token_00000000000002';
const BOB = 'hf_bob_not_in_the_org_0000000000000000003';

let hf: HfBucketStandin;
let collab: PublicCollabStandin;
let older: PublicCollabStandin;
let hfHome: string;
const env = () => ({ HF_HOME: hfHome }) as NodeJS.ProcessEnv;
const hub = withHub();
let alice: string;

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function startService() {
  const sync = createSyncService({
    dataFolder: hub.dataDir,
    hfEndpoint: hf.url,
    record: hub.running.hub.outboxRecord,
    vault: fileTokenVault(dataLayout(hub.dataDir).hfLogin, env()),
    backoffMs: 20,
    maxAttempts: 4,
  });
  hub.running.attachSync(sync);
  sync.start();
  return sync;
}

async function org<T = any>(method: string, path: string, body?: unknown) {
  return hub.call<T>(method, path, { token: hub.organizerToken, ...(body === undefined ? {} : { body }) });
}

/** Waits (on the outbox, polled: the item changes as the service sends) until the item satisfies `ok`. */
async function until(id: string, ok: (item: OutboxItem) => boolean, timeoutMs = 60_000): Promise<OutboxItem> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const item = (await org<OutboxList>('GET', '/v1/sync/outbox?limit=500')).body.items.find((i) => i.id === id);
    if (item && ok(item)) return item;
    if (Date.now() > deadline) throw new Error(`outbox item ${id}: ${JSON.stringify(item)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until the item is in a final state. */
async function settled(id: string, timeoutMs = 60_000): Promise<OutboxItem> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const items = (await org<OutboxList>('GET', '/v1/sync/outbox?limit=500')).body.items;
    const item = items.find((i) => i.id === id);
    if (item && ['sent', 'failed', 'cancelled'].includes(item.state)) return item;
    if (Date.now() > deadline) throw new Error(`outbox item ${id} still ${item?.state}: ${JSON.stringify(item)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function localResult(
  fields: Record<string, unknown> = {},
  body = 'Measured with a small draft.',
): Promise<string> {
  const res = await hub.call('POST', '/v1/results', { token: alice, body: { content: resultMarkdown(fields, body) } });
  expect(res.status, res.text).toBe(201);
  return res.body.filename as string;
}

async function previewAndPublish(result: string, extra: Record<string, unknown> = {}) {
  const body = { result, collab: `${ORG}/gemma`, agent: 'ada-h200', ...extra };
  const preview = await org<PublishPreview>('POST', '/v1/sync/preview', body);
  expect(preview.status, preview.text).toBe(200);
  const queued = await org<OutboxItem>('POST', '/v1/sync/publish', { ...body, digest: preview.body.digest });
  expect(queued.status, queued.text).toBe(202);
  return { preview: preview.body, item: queued.body };
}

beforeAll(async () => {
  hfHome = mkdtempSync(join(tmpdir(), 'collab-desk-hf-home-'));
  hf = await startHfBucketStandin({
    users: [
      { name: 'ada', token: ADA, orgs: [{ name: ORG, role: 'write' }] },
      { name: 'ada', token: ADA_NEW, orgs: [{ name: ORG, role: 'write' }] },
      { name: 'bob', token: BOB, orgs: [] },
    ],
  });
  collab = await startPublicCollabStandin({
    hf,
    org: ORG,
    slug: 'gemma',
    jobs: true,
    registration: 'server-creates',
    requiredFields: ['tps', 'ppl', 'method', 'status', 'description'],
    inviteUrl: 'https://huggingface.co/organizations/gemma-challenge/share/join-us',
  });
  older = await startPublicCollabStandin({ hf, org: ORG, slug: 'older', registration: 'handshake' });
  alice = await hub.register('alice');
  startService();
});

afterAll(async () => {
  await Promise.all([collab?.close(), older?.close()]);
  await hf?.close();
  rmSync(hfHome, { recursive: true, force: true });
});

describe('signing in and connecting through the hub', () => {
  it('is signed out at first; a pasted token is checked, stored in the HF token file, and never answered back', async () => {
    const before = await org<SyncStatus>('GET', '/v1/sync');
    expect(before.body.signed_in).toBeNull();
    const wrong = await org('POST', '/v1/sync/login', { token: 'hf_not_a_token_anyone_has_0000' });
    expect(wrong.status, wrong.text).toBe(409);
    expect(wrong.body.error.code).toBe('TOKEN_INVALID');
    const res = await org('POST', '/v1/sync/login', { token: ADA });
    expect(res.status, res.text).toBe(200);
    expect(res.body.signed_in).toMatchObject({ user: 'ada', orgs: [ORG] });
    expect(res.text).not.toContain(ADA);
    expect(readFileSync(join(hfHome, 'token'), 'utf8').trim()).toBe(ADA);
    expect(statSync(join(hfHome, 'token')).mode & 0o777).toBe(0o600);
  });

  it('connects by backend URL and shows that the collab ranks only its own hardware', async () => {
    const res = await org('POST', '/v1/sync/collabs', { target: collab.apiUrl });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ id: `${ORG}/gemma`, score_field: 'tps', runs_jobs: true, fixed_hardware: true });
    expect((await org('POST', '/v1/sync/collabs', { target: older.apiUrl })).status).toBe(201);
    const status = (await org<SyncStatus>('GET', '/v1/sync')).body;
    expect(status.collabs.map((c) => c.id).sort()).toEqual([`${ORG}/gemma`, `${ORG}/older`]);
  });
});

describe('registering an identity on a collab', () => {
  it('registers on a newer server, which makes the bucket and the handshake with our token', async () => {
    const res = await org<CollabAgent>('POST', '/v1/sync/agents', {
      collab: `${ORG}/gemma`,
      agent_id: 'ada-h200',
      model: 'gemma-4-E4B',
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ agent_id: 'ada-h200', bucket: `${ORG}/gemma-ada-h200`, hf_user: 'ada' });
    expect(hf.bucket(`${ORG}/gemma-ada-h200`)).not.toBeNull();
    expect(collab.agents().map((a) => a.filename)).toContain('ada-h200.md');
    // Registering again from this machine (the id is ours) adopts it instead of failing.
    const again = await org('POST', '/v1/sync/agents', { collab: `${ORG}/gemma`, agent_id: 'ada-h200', model: 'x' });
    expect(again.status, again.text).toBe(201);
  });

  it('on an older server creates the bucket and the handshake itself, then registers', async () => {
    const res = await org('POST', '/v1/sync/agents', { collab: `${ORG}/older`, agent_id: 'ada-old', model: 'm' });
    expect(res.status, res.text).toBe(201);
    expect(hf.files(`${ORG}/older-ada-old`).get('.bucket-sync-handshake')?.toString('utf8').trim()).toBe('ada');
  });

  it('turns the public errors into next steps: a bad id, and someone not in the org (with the invite link)', async () => {
    const bad = await org('POST', '/v1/sync/agents', { collab: `${ORG}/gemma`, agent_id: 'human-ada', model: 'm' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.hint).toMatch(/choose an agent id/);
    const unknown = await org('POST', '/v1/sync/agents', { collab: 'nobody/none', agent_id: 'x1', model: 'm' });
    expect(unknown.body.error.code).toBe('COLLAB_NOT_CONNECTED');
    expect((await org('POST', '/v1/sync/login', { token: BOB })).status).toBe(200);
    try {
      const res = await org('POST', '/v1/sync/agents', { collab: `${ORG}/gemma`, agent_id: 'bob-1', model: 'm' });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('NOT_ORG_MEMBER');
      expect(res.body.error.hint).toContain('https://huggingface.co/organizations/gemma-challenge/share/join-us');
    } finally {
      expect((await org('POST', '/v1/sync/login', { token: ADA })).status).toBe(200);
    }
  });
});

describe('preview and publish', () => {
  it('previews exactly what leaves; publishing sends those bytes, promotes the result and syncs the bundle', async () => {
    const result = await localResult({
      tps: 181.5,
      ppl: 7.9,
      description: 'draft n=6',
      hardware: 'NVIDIA H200 (cuda)',
    });
    const { preview, item } = await previewAndPublish(result, { message: 'Exploratory numbers from an H200.' });
    expect(preview.status).toBe('agent-run');
    expect(preview.notice).toMatch(/^Exploratory: measured on NVIDIA H200 \(cuda\)/);
    expect(item.state).toBe('queued');
    const done = await settled(item.id);
    expect(done.state, JSON.stringify(done.error)).toBe('sent');
    expect(done.steps.map((s) => [s.step, s.done])).toEqual([
      ['upload', true],
      ['promote', true],
      ['artifacts', true],
      ['message', true],
    ]);
    // The bucket holds exactly the previewed bytes.
    const files = hf.files(`${ORG}/gemma-ada-h200`);
    for (const f of preview.files) expect(sha(files.get(f.path)!), f.path).toBe(f.sha256);
    // The collab promoted it under the public filename the outbox shows, in its format.
    const promoted = collab.results().find((r) => r.filename === done.public_filename)!;
    expect(promoted.frontmatter).toMatchObject({
      tps: 181.5,
      status: 'agent-run',
      exploratory: true,
      agent: 'ada-h200',
    });
    expect(done.public_url).toBe(`${collab.apiUrl}/v1/results/${done.public_filename}`);
    expect(collab.messages().some((m) => m.body.includes('Exploratory numbers from an H200.'))).toBe(true);
    expect([...collab.artifacts().keys()].some((k) => k.endsWith('/result.md'))).toBe(true);
  });

  it("tells the organizer's event stream every change of the item, up to sent, and nobody else", async () => {
    const organizer = await SseClient.connect(`${hub.url}/v1/events`, {
      headers: { authorization: `Bearer ${hub.organizerToken}` },
    });
    const everyone = await SseClient.connect(`${hub.url}/v1/events`);
    try {
      const { item } = await previewAndPublish(await localResult({ tps: 170, description: 'watched' }), {
        bundle: false,
      });
      const sent = await organizer.waitFor(
        (e) =>
          e.type === 'sync.outbox' &&
          eventData<OutboxItem>(e).id === item.id &&
          eventData<OutboxItem>(e).state === 'sent',
        'the item sent',
      );
      expect(eventData<OutboxItem>(sent).public_filename).toMatch(/_ada-h200\.md$/);
      const states = organizer.received
        .filter((e) => e.type === 'sync.outbox' && eventData<OutboxItem>(e).id === item.id)
        .map((e) => eventData<OutboxItem>(e).state);
      expect(states[0]).toBe('queued');
      expect(states).toContain('sending');
      // A later public event reached the other reader, so the outbox news it lacks was never sent to it.
      await localResult({ tps: 171 });
      await everyone.waitFor((e) => e.type === 'result.created', 'result.created');
      expect(everyone.received.some((e) => e.type === 'sync.outbox')).toBe(false);
    } finally {
      await organizer.close();
      await everyone.close();
    }
  });

  it('refuses to publish anything but what was previewed (PREVIEW_STALE), and queues nothing', async () => {
    const result = await localResult({ tps: 150 });
    const before = (await org<OutboxList>('GET', '/v1/sync/outbox')).body.items.length;
    const res = await org('POST', '/v1/sync/publish', {
      result,
      collab: `${ORG}/gemma`,
      agent: 'ada-h200',
      digest: '0'.repeat(64),
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('PREVIEW_STALE');
    expect((await org<OutboxList>('GET', '/v1/sync/outbox')).body.items.length).toBe(before);
  });

  it('publishing the same result again sends nothing twice: the collab answers ALREADY_PROMOTED, counted as sent', async () => {
    const result = await localResult({ tps: 190, description: 'twice' });
    const first = await settled((await previewAndPublish(result, { bundle: false })).item.id);
    const count = collab.results().length;
    const second = await settled((await previewAndPublish(result, { bundle: false })).item.id);
    expect(second.state).toBe('sent');
    expect(second.public_filename).toBe(first.public_filename);
    expect(collab.results().length).toBe(count);
  });
});

describe('the outbox under faults', () => {
  it('waits out a 429 storm as Retry-After asks, then sends once', async () => {
    const result = await localResult({ tps: 201, description: 'storm' });
    const started = Date.now();
    collab.inject({ route: 'results', status: 429, times: 3, retryAfter: 1 });
    const { item } = await previewAndPublish(result, { bundle: false });
    const done = await settled(item.id);
    expect(done.state, JSON.stringify(done.error)).toBe('sent');
    // The tries since the storm began (a promote, then looking before promoting again: the first may have landed).
    const tries = collab.requests.filter((r) => r.path.startsWith('/v1/results') && r.at >= started);
    expect(tries.map((r) => r.status)).toEqual([429, 429, 429, 200, 201]);
    // Each try after a 429 came no sooner than the Retry-After the collab asked for.
    const times = tries.slice(0, 4).map((r) => r.at);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(950);
    expect(collab.results().filter((r) => r.frontmatter.local_result === result)).toHaveLength(1);
  });

  it('retries 5xx and a collab that is down, then sends; gives up after its attempts with what to do', async () => {
    const t0 = Date.now();
    collab.inject({ route: 'results', status: 503, times: 2 });
    const a = await settled(
      (await previewAndPublish(await localResult({ tps: 202, description: 'flaky' }), { bundle: false })).item.id,
    );
    expect(a.state, JSON.stringify(collab.requests.filter((r) => r.at >= t0))).toBe('sent');
    expect(a.attempts).toBeGreaterThanOrEqual(3);

    collab.setDown(true);
    try {
      const downResult = await localResult({ tps: 203, description: 'down' });
      const b = await settled((await previewAndPublish(downResult, { bundle: false })).item.id);
      expect(b.state).toBe('failed');
      expect(b.error?.code).toBe('COLLAB_UNREACHABLE');
      expect(b.error?.next).toMatch(/then retry/);
      expect(b.steps[0]).toMatchObject({ step: 'upload', done: true });
      collab.setDown(false);
      const retried = await org<OutboxItem>('POST', `/v1/sync/outbox/${b.id}/retry`);
      expect(retried.status).toBe(200);
      const c = await settled(b.id);
      expect(c.state).toBe('sent');
      expect(collab.results().filter((r) => r.frontmatter.local_result === downResult)).toHaveLength(1);
    } finally {
      collab.setDown(false);
    }
  });

  it('fails an item whose token is revoked mid-outbox with "sign in again", and sends it after a new login', async () => {
    // As on the Hub: the token stops working at once; xet write tokens already handed out live until they expire.
    hf.revokeToken(ADA);
    const item = await settled(
      (await previewAndPublish(await localResult({ tps: 204, description: 'revoked' }))).item.id,
    );
    expect(item.state).toBe('failed');
    expect(item.error?.code).toBe('TOKEN_INVALID');
    expect(item.error?.next).toMatch(/sign in again/);
    expect((await org('POST', '/v1/sync/login', { token: ADA_NEW })).status).toBe(200);
    expect((await org('POST', `/v1/sync/outbox/${item.id}/retry`)).status).toBe(200);
    const again = await settled(item.id);
    expect(again.state, JSON.stringify(again.error)).toBe('sent');
  });

  it('fails an item the collab refuses, with its words, and cancels a waiting one', async () => {
    collab.inject({ route: 'results', status: 400, times: 1 });
    const refused = await settled(
      (await previewAndPublish(await localResult({ tps: 205, description: 'refused' }), { bundle: false })).item.id,
    );
    expect(refused.state).toBe('failed');
    expect(refused.error).toMatchObject({ code: 'COLLAB_REFUSED', message: expect.stringContaining('INJECTED') });

    collab.inject({ route: 'results', status: 429, times: 1, retryAfter: 30 });
    const { item } = await previewAndPublish(await localResult({ tps: 206, description: 'to cancel' }), {
      bundle: false,
    });
    const waiting = await until(item.id, (i) => i.state === 'queued' && i.error?.code === 'RATE_LIMITED');
    expect(waiting.next_attempt_at).not.toBeNull();
    const cancelled = await org<OutboxItem>('POST', `/v1/sync/outbox/${item.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
    expect((await org('POST', `/v1/sync/outbox/${item.id}/cancel`)).body.error.code).toBe('OUTBOX_ITEM_FINISHED');
  });
});

describe('what never leaves', () => {
  it('a held-out prompt planted in a result: the preview and the publish are refused, nothing is uploaded or queued', async () => {
    installPack(hub.running.hub);
    const prompt =
      'Explain how a tide table for a harbour with two daily high tides is computed from the moon and sun positions.';
    const folder = join(dirname(hub.running.hub.layout.challengePack), HELD_OUT_FOLDER);
    writeFileSync(
      join(folder, 'planted.json'),
      JSON.stringify({
        pack: 'tiny',
        source: 'organizer',
        drawn_at: '2026-12-01',
        prompts: [{ id: 'p1', text: prompt }],
      }),
    );
    const planted = await localResult({ tps: 222, description: 'planted' }, `It sped up on: ${prompt}`);
    const uploadsBefore = hf.requests.length;
    const itemsBefore = (await org<OutboxList>('GET', '/v1/sync/outbox?limit=500')).body.items.length;
    const body = { result: planted, collab: `${ORG}/gemma`, agent: 'ada-h200' };
    const preview = await org('POST', '/v1/sync/preview', body);
    expect(preview.status).toBe(422);
    expect(preview.body.error.code).toBe('PRIVATE_CONTENT');
    expect(preview.text).not.toContain(prompt.slice(0, 40));
    const publish = await org('POST', '/v1/sync/publish', { ...body, digest: 'f'.repeat(64) });
    expect(publish.body.error.code).toBe('PRIVATE_CONTENT');
    // The same prompt in the board message of a clean result.
    const clean = await localResult({ tps: 223, description: 'clean' });
    const inMessage = await org('POST', '/v1/sync/preview', { ...body, result: clean, message: `Try: ${prompt}` });
    expect(inMessage.status).toBe(422);
    expect(inMessage.body.error.message).toContain('the board message');
    expect(hf.requests.length).toBe(uploadsBefore);
    expect((await org<OutboxList>('GET', '/v1/sync/outbox?limit=500')).body.items.length).toBe(itemsBefore);
    expect(collab.results().some((r) => r.body.includes(prompt.slice(0, 40)))).toBe(false);
  });

  it('the HF token is in no file of the data folder, no outbox row, no answer', async () => {
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
      );
    for (const file of walk(hub.dataDir)) {
      const bytes = readFileSync(file);
      for (const token of [ADA, ADA_NEW, BOB]) expect(bytes.includes(token), file).toBe(false);
    }
    const status = await org('GET', '/v1/sync');
    const outbox = await org('GET', '/v1/sync/outbox?limit=500');
    for (const token of [ADA, ADA_NEW, BOB]) {
      expect(status.text).not.toContain(token);
      expect(outbox.text).not.toContain(token);
    }
  });
});
