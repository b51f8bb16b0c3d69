// The Public collab stores against a real hub with the real sync service attached, over the Hub and public-collab
// stand-ins: sign-in polling until signed in, cancelled or expired, refusals kept with code and hint, the outbox merged
// from events, a preview dropped when the draft changes, the result choices scored by the hub's field, and the collabs
// found on the Hub connected from the list.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OutboxItem, OutboxList, PublishPreview, SyncCollab } from '../../../src/shared/sync-api';
import { dataLayout } from '../../../src/platform/data-folder';
import { createSyncService, fileTokenVault } from '../../../src/sync/sync-service';
import { useDiscover } from '../../../src/renderer/src/stores/discover-store';
import { mergeOutbox, useOutbox } from '../../../src/renderer/src/stores/outbox-store';
import { publishBody, usePublish, withDefaults } from '../../../src/renderer/src/stores/publish-store';
import { DEVICE_POLL_MS, pendingDeviceLogin, useSync } from '../../../src/renderer/src/stores/sync-store';
import { startHfBucketStandin, type HfBucketStandin } from '../../helpers/hf-bucket-standin';
import { startPublicCollabStandin, type PublicCollabStandin } from '../../helpers/public-collab-standin';
import { spaceHostsFetch } from '../../helpers/space-hosts.mjs';
import { resultMarkdown } from '../../helpers/test-hub';
import { withHub } from '../../helpers/with-hub';
import { routeFetchTo, signIn } from './hub-fetch';

const ORG = 'gemma-challenge';
const COLLAB = `${ORG}/gemma`;
const AGENT = 'ada-h200';
const ADA = 'hf_ada_writes_gemma_challenge_000000000001';
const BOB = 'hf_bob_not_in_the_org_0000000000000000003';
const INVITE = 'https://huggingface.co/organizations/gemma-challenge/share/join-us';
/** The collab's dashboard Space, as the Hub lists it and as its host is reached (here: the stand-in's dashboard). */
const DASHBOARD_SPACE = `${ORG}/gemma-dashboard`;
const DASHBOARD_URL = 'https://gemma-challenge-gemma-dashboard.hf.space';
/** Long enough for a few of the store's checks on a busy two-core machine. */
const WAIT = { timeout: DEVICE_POLL_MS * 4, interval: 25 };

const hub = withHub();
let hf: HfBucketStandin;
let collab: PublicCollabStandin;
let hfHome: string;
let alice: string;
let undoFetch: () => void;

const sync = () => useSync.getState();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Watches the page's own calls (relative URLs) on their way to the hub; each still goes there and is answered. */
function watchCalls() {
  const spy = vi.spyOn(globalThis, 'fetch');
  const calls = () =>
    spy.mock.calls
      .filter(([input]) => typeof input === 'string' && input.startsWith('/'))
      .map(([input, init]) => ({
        route: `${init?.method ?? 'GET'} ${input as string}`,
        body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
      }));
  return { calls, count: (route: string) => calls().filter((c) => c.route === route).length };
}

async function org<T = any>(method: string, path: string, body?: unknown) {
  return hub.call<T>(method, path, { token: hub.organizerToken, ...(body === undefined ? {} : { body }) });
}

async function localResult(fields: Record<string, unknown> = {}): Promise<string> {
  const res = await hub.call('POST', '/v1/results', { token: alice, body: { content: resultMarkdown(fields) } });
  expect(res.status, res.text).toBe(201);
  return res.body.filename as string;
}

/** Waits on the hub's outbox until the item satisfies `ok`. */
async function until(id: string, ok: (item: OutboxItem) => boolean, timeoutMs = 20_000): Promise<OutboxItem> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const item = (await org<OutboxList>('GET', '/v1/sync/outbox?limit=500')).body.items.find((i) => i.id === id);
    if (item && ok(item)) return item;
    if (Date.now() > deadline) throw new Error(`outbox item ${id}: ${JSON.stringify(item)}`);
    await sleep(25);
  }
}

/** The real sync service, attached to the hub once (the first describe runs the hub without it). */
function attachService(): void {
  if (hub.running.hub.sync) return;
  const service = createSyncService({
    dataFolder: hub.dataDir,
    hfEndpoint: hf.url,
    record: hub.running.hub.outboxRecord,
    vault: fileTokenVault(dataLayout(hub.dataDir).hfLogin, { HF_HOME: hfHome } as NodeJS.ProcessEnv),
    backoffMs: 20,
    maxAttempts: 4,
    devicePollScale: 0,
    fetch: spaceHostsFetch({ [new URL(DASHBOARD_URL).host]: collab.dashboardUrl }),
  });
  hub.running.attachSync(service);
  service.start();
}

/** Signed in as ada, the collab connected, ada-h200 registered on it: through the routes, whatever came before. */
async function readyToPublish(): Promise<void> {
  attachService();
  expect((await org('POST', '/v1/sync/login', { token: ADA })).status).toBe(200);
  expect((await org('POST', '/v1/sync/collabs', { target: collab.apiUrl })).status).toBe(201);
  const agent = await org('POST', '/v1/sync/agents', { collab: COLLAB, agent_id: AGENT, model: 'gemma-4-E4B' });
  expect(agent.status, agent.text).toBe(201);
}

/** Queues a publish of `result` as the routes take it (preview, then publish with its digest). */
async function queuePublish(result: string, agent = AGENT): Promise<OutboxItem> {
  const body = { result, collab: COLLAB, agent, bundle: false };
  const preview = await org<PublishPreview>('POST', '/v1/sync/preview', body);
  expect(preview.status, preview.text).toBe(200);
  const queued = await org<OutboxItem>('POST', '/v1/sync/publish', { ...body, digest: preview.body.digest });
  expect(queued.status, queued.text).toBe(202);
  return queued.body;
}

beforeAll(async () => {
  hfHome = mkdtempSync(join(tmpdir(), 'collab-desk-hf-home-'));
  hf = await startHfBucketStandin({
    users: [
      { name: 'ada', token: ADA, orgs: [{ name: ORG, role: 'write' }] },
      { name: 'bob', token: BOB, orgs: [] },
    ],
  });
  collab = await startPublicCollabStandin({
    hf,
    org: ORG,
    slug: 'gemma',
    registration: 'server-creates',
    inviteUrl: INVITE,
    // Loose enough that only the faults a test injects rate-limit it.
    limits: {
      registrationPerMinute: 1000,
      bucketWriteBurst: 1000,
      bucketWritePerMinute: 1000,
      rawMessagePerMinute: 1000,
    },
  });
  alice = await hub.register('alice');
  undoFetch = routeFetchTo(hub.url);
  signIn(hub.organizerToken);
}, 60_000);

afterAll(async () => {
  signIn(null);
  undoFetch?.();
  // The service first (the hub's own stop would close it after the stand-ins it sends to are gone).
  await hub.running.hub.sync?.close();
  await collab?.close();
  await hf?.close();
  rmSync(hfHome, { recursive: true, force: true });
});

afterEach(() => {
  sync().cancelDeviceLogin();
  vi.restoreAllMocks();
});

describe('a hub without the sync service', () => {
  it('keeps SYNC_DISABLED (or a hub without the routes) as a code the panel can say plainly', async () => {
    await sync().load();
    expect(sync().problem).toEqual({
      code: 'SYNC_DISABLED',
      message: expect.stringContaining('runs no sync service'),
      hint: expect.stringContaining('collab-desk hub'),
    });
    // A hub from before the sync routes has no /v1/sync at all (its 404 NOT_FOUND, here for a path no route has).
    routeFetchTo(`${hub.url}/v1/before-sync`);
    try {
      await sync().load();
      expect(sync().problem).toMatchObject({ code: 'SYNC_DISABLED', message: expect.stringContaining('no route') });
    } finally {
      routeFetchTo(hub.url);
    }
  });
});

describe('sync store', () => {
  beforeAll(attachService);

  it('checks a device-code sign-in every few seconds until it is signed in, then stops', async () => {
    const watch = watchCalls();
    await sync().load();
    expect(sync().problem).toBeNull();
    expect(sync().status).toMatchObject({ signed_in: null, device_login: null, collabs: [] });

    const shown = hf.nextDeviceCode();
    const started = Date.now();
    await sync().startDeviceLogin();
    const userCode = await shown;
    expect(watch.calls().find((c) => c.route === 'POST /v1/sync/login')?.body).toEqual({});
    expect(pendingDeviceLogin(sync())).toMatchObject({
      user_code: userCode,
      verification_uri: `${hf.url}/oauth/device`,
    });
    expect(sync().polling).toBe(true);

    // Not approved yet: the next check comes a poll interval later, still finds the code waiting, and keeps checking.
    const reads = watch.count('GET /v1/sync');
    await vi.waitFor(() => expect(watch.count('GET /v1/sync')).toBe(reads + 1), WAIT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(DEVICE_POLL_MS - 50);
    await vi.waitFor(() => expect(sync().loading).toBe(false), WAIT);
    expect(pendingDeviceLogin(sync())?.user_code).toBe(userCode);
    expect(sync().polling).toBe(true);

    // Approved in the browser: a later check finds ada signed in, and the checks stop.
    hf.approveDevice(userCode, 'ada');
    await vi.waitFor(() => expect(sync().status?.signed_in?.user).toBe('ada'), WAIT);
    expect(sync().status?.signed_in?.orgs).toEqual([ORG]);
    expect(sync().polling).toBe(false);
    expect(pendingDeviceLogin(sync())).toBeNull();
    const done = watch.count('GET /v1/sync');
    await sleep(DEVICE_POLL_MS + 500);
    expect(watch.count('GET /v1/sync')).toBe(done);
  });

  it('stops waiting on a cancelled code and no longer shows it, though the hub still waits on it', async () => {
    await sync().signInWithToken(ADA);
    const out = await sync().signOut();
    expect(out.removed).not.toBeNull();
    expect(sync().status?.signed_in).toBeNull();

    const shown = hf.nextDeviceCode();
    await sync().startDeviceLogin();
    const userCode = await shown;
    expect(sync().polling).toBe(true);
    sync().cancelDeviceLogin();
    expect(sync().polling).toBe(false);
    expect(pendingDeviceLogin(sync())).toBeNull();
    // Read again: the hub still shows the code, the page neither shows it nor checks on it.
    await sync().load();
    expect(sync().status?.device_login?.user_code).toBe(userCode);
    expect(pendingDeviceLogin(sync())).toBeNull();
    expect(sync().polling).toBe(false);
    // An expired code is not shown either.
    const expires = Date.parse(sync().status!.device_login!.expires_at);
    expect(pendingDeviceLogin({ status: sync().status, dismissedCode: null }, expires - 1_000)?.user_code).toBe(
      userCode,
    );
    expect(pendingDeviceLogin({ status: sync().status, dismissedCode: null }, expires + 1)).toBeNull();

    // Declined in the browser: the hub stops waiting and says why.
    hf.denyDevice(userCode);
    await vi.waitFor(async () => {
      await sync().load();
      expect(sync().status?.sign_in_problem).toMatch(/declined/);
    }, WAIT);
    expect(sync().status?.device_login).toBeNull();
  });

  it('shows a fresh code after a cancelled one, and stops checking once it expired, with why', async () => {
    const shown = hf.nextDeviceCode();
    await sync().startDeviceLogin();
    const userCode = await shown;
    expect(pendingDeviceLogin(sync())?.user_code).toBe(userCode);
    expect(sync().polling).toBe(true);
    hf.expireDevice(userCode);
    await vi.waitFor(() => expect(sync().polling).toBe(false), WAIT);
    expect(pendingDeviceLogin(sync())).toBeNull();
    expect(sync().status).toMatchObject({ signed_in: null, device_login: null });
    expect(sync().status?.sign_in_problem).toMatch(/expired/);
  });

  it("throws refusals with the hub's code, message and hint (the invite link) for the form", async () => {
    await expect(sync().signInWithToken('hf_not_a_token_anyone_has_0000')).rejects.toMatchObject({
      problem: { code: 'TOKEN_INVALID' },
    });
    await sync().signInWithToken(BOB);
    expect(sync().status?.signed_in?.user).toBe('bob');

    await expect(sync().connect('not a collab')).rejects.toMatchObject({
      problem: { code: 'NOT_A_COLLAB', hint: expect.stringContaining('backend URL') },
    });
    const watch = watchCalls();
    const connected = await sync().connect(` ${collab.apiUrl} `);
    expect(watch.calls().at(-1)).toEqual({ route: 'POST /v1/sync/collabs', body: { target: collab.apiUrl } });
    expect(connected).toMatchObject({ id: COLLAB, score_field: 'tps' });
    expect(sync().status?.collabs.map((c) => c.id)).toEqual([COLLAB]);

    await expect(sync().register({ collab: COLLAB, agent_id: 'bob-1', model: 'm' })).rejects.toMatchObject({
      problem: {
        code: 'NOT_ORG_MEMBER',
        message: expect.stringContaining('bob is not a member'),
        hint: expect.stringContaining(INVITE),
      },
    });

    await sync().signInWithToken(ADA);
    expect(sync().status?.signed_in?.user).toBe('ada');
    await sync().register({ collab: COLLAB, agent_id: AGENT, model: 'gemma-4-E4B' });
    expect(sync().status?.collabs[0]?.agents.map((a) => a.agent_id)).toEqual([AGENT]);
  });
});

function item(
  id: string,
  state: OutboxItem['state'],
  updated: string,
  created = '2026-01-01T00:00:00.000Z',
): OutboxItem {
  return {
    id,
    collab: 'org/c',
    agent: 'a',
    result: `${id}.md`,
    state,
    steps: [],
    attempts: 0,
    next_attempt_at: null,
    error: null,
    public_filename: null,
    public_url: null,
    bytes: 10,
    created_at: created,
    updated_at: updated,
  };
}

describe('outbox store', () => {
  beforeAll(readyToPublish);

  it('keeps the later state of each item, newest item first, whichever arrives last', () => {
    const older = item('a', 'sending', '2026-01-01T00:00:02.000Z');
    const newer = item('a', 'sent', '2026-01-01T00:00:05.000Z');
    const second = item('b', 'queued', '2026-01-01T00:00:01.000Z', '2026-01-02T00:00:00.000Z');
    expect(mergeOutbox([newer], [older]).map((i) => i.state)).toEqual(['sent']);
    expect(mergeOutbox([older], [newer, second]).map((i) => `${i.id}:${i.state}`)).toEqual(['b:queued', 'a:sent']);
  });

  it('does not let a list read taken before an event undo it', async () => {
    // The collab asks to wait: the item stays queued long enough for a list read to catch it so. As another agent,
    // since the outbox then paces that agent's bucket for a while.
    const agent = await org('POST', '/v1/sync/agents', { collab: COLLAB, agent_id: 'ada-raced', model: 'm' });
    expect(agent.status, agent.text).toBe(201);
    collab.inject({ route: 'results', status: 429, times: 1, retryAfter: 2 });
    const queued = await queuePublish(await localResult({ tps: 140, description: 'raced' }), 'ada-raced');
    await until(queued.id, (i) => i.state === 'queued' && i.error?.code === 'RATE_LIMITED');

    // The read leaves now and the hub answers it now; the answer reaches the store only after the event.
    const routed = globalThis.fetch;
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let readState: string | undefined;
    let answered = () => {};
    const read = new Promise<void>((resolve) => (answered = resolve));
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const res = await routed(input, init);
      if (typeof input === 'string' && input.startsWith('/v1/sync/outbox')) {
        readState = ((await res.clone().json()) as OutboxList).items.find((i) => i.id === queued.id)?.state;
        answered();
        await held;
      }
      return res;
    }) as typeof fetch;
    try {
      const loading = useOutbox.getState().load();
      await read;
      expect(readState).toBe('queued');
      // The sync.outbox event: the item as the hub has it once sent.
      const sent = await until(queued.id, (i) => i.state === 'sent');
      useOutbox.getState().keep(sent);
      release();
      await loading;
    } finally {
      release();
      globalThis.fetch = routed;
    }
    expect(useOutbox.getState().items.find((i) => i.id === queued.id)?.state).toBe('sent');
    // And an older word arriving last (the publish's own answer) does not undo it either.
    useOutbox.getState().keep(queued);
    expect(useOutbox.getState().items.find((i) => i.id === queued.id)?.state).toBe('sent');
  });

  it('retries a failed item and shows what the hub answered', async () => {
    collab.inject({ route: 'results', status: 400, times: 1 });
    const queued = await queuePublish(await localResult({ tps: 141, description: 'refused once' }));
    await until(queued.id, (i) => i.state === 'failed');
    await useOutbox.getState().load();
    expect(useOutbox.getState().items.find((i) => i.id === queued.id)).toMatchObject({
      state: 'failed',
      error: { code: 'COLLAB_REFUSED' },
    });
    const answer = await useOutbox.getState().retry(queued.id);
    expect(answer.state).toBe('queued');
    expect(useOutbox.getState().items.find((i) => i.id === queued.id)?.updated_at).toBe(answer.updated_at);
    await until(queued.id, (i) => i.state === 'sent');
    await useOutbox.getState().load();
    expect(useOutbox.getState().items.find((i) => i.id === queued.id)?.state).toBe('sent');
    // A finished item cannot be retried: the refusal comes with the hub's code.
    await expect(useOutbox.getState().cancel(queued.id)).rejects.toMatchObject({
      problem: { code: 'OUTBOX_ITEM_FINISHED' },
    });
  });
});

function syncCollab(id: string, agents: string[]): SyncCollab {
  return {
    id,
    title: null,
    api_url: `https://${id.replace('/', '-')}.example`,
    dashboard_url: null,
    central_bucket: `${id}-central`,
    score_field: 'speedup',
    score_unit: 'x',
    score_order: 'desc',
    required_result_fields: null,
    limits: null,
    runs_jobs: false,
    fixed_hardware: false,
    docs: null,
    rules_url: null,
    invite_url: null,
    connected_at: '2026-01-01T00:00:00.000Z',
    agents: agents.map((agent_id) => ({
      agent_id,
      bucket: `${id}-${agent_id}`,
      hf_user: null,
      model: 'm',
      harness: 'collab-desk',
      registered_at: '2026-01-01T00:00:00.000Z',
    })),
  };
}

describe('publish store', () => {
  beforeAll(readyToPublish);

  beforeEach(() => {
    usePublish.setState({
      draft: { result: '', collab: '', agent: '', bundle: true, message: '', trace: 'none' as const, traceSession: '' },
      preview: null,
      problem: null,
      published: null,
    });
  });

  it('chooses a connected collab and one of its agents where none was chosen', async () => {
    const draft = {
      result: 'r.md',
      collab: '',
      agent: '',
      bundle: true,
      message: '',
      trace: 'none' as const,
      traceSession: '',
    };
    expect(withDefaults(draft, [syncCollab('org/c', ['a', 'b'])])).toMatchObject({ collab: 'org/c', agent: 'a' });
    expect(withDefaults({ ...draft, collab: 'gone/x', agent: 'z' }, [syncCollab('org/c', [])])).toMatchObject({
      collab: 'org/c',
      agent: '',
    });
    expect(publishBody({ ...draft, message: '  ' })).not.toHaveProperty('message');
    // From the hub's own status.
    await sync().load();
    const [connected] = sync().status!.collabs;
    expect(connected?.agents.map((a) => a.agent_id)).toContain(AGENT);
    usePublish.getState().fillDefaults(sync().status!.collabs);
    expect(usePublish.getState().draft).toMatchObject({ collab: COLLAB, agent: connected!.agents[0]!.agent_id });
    // A chosen agent that is still registered stays chosen.
    usePublish.getState().setDraft({ agent: AGENT });
    usePublish.getState().fillDefaults(sync().status!.collabs);
    expect(usePublish.getState().draft).toMatchObject({ collab: COLLAB, agent: AGENT });
  });

  it('publishes with the digest of the preview shown, and drops the preview when the draft changes', async () => {
    const result = await localResult({ tps: 150, description: 'published from the panel' });
    usePublish.getState().setDraft({ result, collab: COLLAB, agent: AGENT, bundle: false, message: 'hello' });
    await usePublish.getState().makePreview();
    const preview = usePublish.getState().preview;
    expect(usePublish.getState().problem).toBeNull();
    expect(preview).toMatchObject({ collab: COLLAB, agent: AGENT, result, bucket: `${COLLAB}-${AGENT}` });
    expect(preview?.digest).toMatch(/^[0-9a-f]{64}$/);

    const watch = watchCalls();
    const published = await usePublish.getState().publish();
    expect(published).toMatchObject({ state: 'queued', result, collab: COLLAB, agent: AGENT });
    expect(usePublish.getState()).toMatchObject({ published, preview: null, problem: null });
    expect(watch.calls().at(-1)).toEqual({
      route: 'POST /v1/sync/publish',
      body: { result, collab: COLLAB, agent: AGENT, bundle: false, message: 'hello', digest: preview!.digest },
    });
    const sent = await until(published!.id, (i) => i.state === 'sent');
    expect(collab.results().some((r) => r.filename === sent.public_filename)).toBe(true);
    expect(collab.messages().some((m) => m.body.includes('hello'))).toBe(true);

    await usePublish.getState().makePreview();
    expect(usePublish.getState().preview?.digest).toBe(preview!.digest);
    usePublish.getState().setDraft({ bundle: true });
    expect(usePublish.getState().preview).toBeNull();
    expect(await usePublish.getState().publish()).toBeNull();
  });

  it('keeps a refused preview with its code and hint', async () => {
    usePublish.getState().setDraft({ result: 'no-such-result.md', collab: COLLAB, agent: AGENT });
    await usePublish.getState().makePreview();
    expect(usePublish.getState().problem).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('no-such-result.md'),
      hint: expect.stringContaining('GET /v1/results'),
    });
    expect(usePublish.getState().preview).toBeNull();
    expect(usePublish.getState().busy).toBeNull();
  });

  it("shows each local result's score from the hub's score field", async () => {
    const result = await localResult({ tps: 123.4, description: 'scored' });
    await usePublish.getState().loadResults('tps');
    expect(usePublish.getState().resultsProblem).toBeNull();
    expect(usePublish.getState().results.find((r) => r.filename === result)).toEqual({
      filename: result,
      agent: 'alice',
      score: 123.4,
      status: 'agent-run',
    });
    // Another field scores nothing here.
    await usePublish.getState().loadResults('speedup');
    expect(usePublish.getState().results.find((r) => r.filename === result)?.score).toBeNull();
  });
});

describe('discover store', () => {
  beforeAll(readyToPublish);
  const discover = () => useDiscover.getState();

  it('says when no Space is tagged agent-collab, and reads the list only when asked', async () => {
    expect(discover()).toMatchObject({ collabs: null, loading: false, problem: null });
    hf.reset();
    const loading = discover().load();
    expect(discover().loading).toBe(true);
    await loading;
    expect(discover()).toMatchObject({ collabs: [], loading: false, problem: null });
    expect(hf.requests.filter((r) => r.kind === 'spaces')).toHaveLength(1);
  });

  it("lists the Hub's collab dashboards and connects one from the list as a typed target, its rules read", async () => {
    hf.addSpace({ id: DASHBOARD_SPACE, tags: ['agent-collab'], likes: 42, title: 'Gemma speed challenge' });
    hf.addSpace({ id: 'lab/other-collab', tags: ['agent-collab'], likes: 3 });
    hf.addSpace({ id: 'someone/chat', tags: ['gradio'], likes: 500 });
    await discover().load();
    expect(discover().problem).toBeNull();
    // The collab is connected by its backend URL (readyToPublish), not from this dashboard: not marked yet.
    expect(discover().collabs?.map((c) => [c.space, c.title, c.likes, c.dashboard_url, c.connected])).toEqual([
      [DASHBOARD_SPACE, 'Gemma speed challenge', 42, DASHBOARD_URL, false],
      ['lab/other-collab', null, 3, 'https://lab-other-collab.hf.space', false],
    ]);

    const watch = watchCalls();
    const connecting = discover().connect(DASHBOARD_SPACE);
    expect(discover().connecting).toBe(DASHBOARD_SPACE);
    const connected = await connecting;
    expect(watch.calls()).toEqual([{ route: 'POST /v1/sync/collabs', body: { target: DASHBOARD_URL } }]);
    expect(connected).toMatchObject({ id: COLLAB, api_url: collab.apiUrl, dashboard_url: DASHBOARD_URL });
    expect(discover().connecting).toBeNull();
    expect(discover().collabs?.find((c) => c.space === DASHBOARD_SPACE)).toMatchObject({
      connected: true,
      collab: COLLAB,
    });
    // The card the panel shows: the same collab, refreshed (its title from the dashboard), its agents kept.
    const card = sync().status?.collabs.find((c) => c.id === COLLAB);
    expect(card).toMatchObject({ title: 'Gemma speed challenge', dashboard_url: DASHBOARD_URL, score_field: 'tps' });
    expect(card?.agents.map((a) => a.agent_id)).toContain(AGENT);
    // And the hub says so too when the list is read again.
    await discover().load();
    expect(discover().collabs?.find((c) => c.space === DASHBOARD_SPACE)?.connected).toBe(true);
  });

  it("keeps the Hub's refusal in words with what to do, and drops it once the Hub answers", async () => {
    hf.inject({ kind: 'spaces', status: 503, retryAfter: 1 });
    await discover().load();
    expect(discover()).toMatchObject({
      loading: false,
      problem: {
        code: 'HF_UNREACHABLE',
        message: expect.stringContaining(`could not list the Spaces tagged agent-collab on ${hf.url}`),
        hint: expect.stringContaining("connecting by the collab's URL or org/slug still works"),
      },
    });
    // Asked again once the Hub answers: the problem goes.
    await discover().load();
    expect(discover().problem).toBeNull();
    expect(discover().collabs?.map((c) => c.space)).toEqual([DASHBOARD_SPACE, 'lab/other-collab']);
  });
});
