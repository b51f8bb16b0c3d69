// The Public collab stores over a scripted /v1/sync (the routes' answers as the contract shapes them): sign-in polling,
// refusals kept with code and hint, the outbox merged from events, a preview dropped when the draft changes.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { OutboxItem, PublishPreview, SyncCollab, SyncStatus } from '../../../src/shared/sync-api';
import { mergeOutbox, useOutbox } from '../../../src/renderer/src/stores/outbox-store';
import { publishBody, usePublish, withDefaults } from '../../../src/renderer/src/stores/publish-store';
import { DEVICE_POLL_MS, pendingDeviceLogin, useSync } from '../../../src/renderer/src/stores/sync-store';
import { signIn } from './hub-fetch';

type Answer = { status: number; body: unknown };
type Route = (body: unknown) => Answer;

const realFetch = globalThis.fetch;
let routes: Record<string, Route> = {};
const asked: { route: string; body: unknown }[] = [];

beforeAll(() => {
  signIn('organizer-token');
  globalThis.fetch = (async (input: string, init?: RequestInit) => {
    const route = `${init?.method ?? 'GET'} ${input}`;
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    asked.push({ route, body });
    const handler = routes[route];
    const answer = handler
      ? handler(body)
      : { status: 404, body: { error: { code: 'NOT_FOUND', message: `no ${route}`, hint: 'none' } } };
    return new Response(JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof fetch;
});

afterAll(() => {
  globalThis.fetch = realFetch;
  signIn(null);
});

afterEach(() => {
  useSync.getState().cancelDeviceLogin();
  vi.useRealTimers();
  routes = {};
  asked.length = 0;
});

const ok =
  (body: unknown): Route =>
  () => ({ status: 200, body });

function status(patch: Partial<SyncStatus> = {}): SyncStatus {
  return {
    signed_in: null,
    sign_in_problem: null,
    device_login: null,
    collabs: [],
    outbox: { queued: 0, sending: 0, sent: 0, failed: 0, cancelled: 0 },
    ...patch,
  };
}

function collab(id: string, agents: string[]): SyncCollab {
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

describe('sync store', () => {
  it('keeps SYNC_DISABLED (or a hub without the routes) as a code the panel can say plainly', async () => {
    routes['GET /v1/sync'] = () => ({
      status: 404,
      body: { error: { code: 'SYNC_DISABLED', message: 'this hub runs without sync', hint: 'start it with sync' } },
    });
    await useSync.getState().load();
    expect(useSync.getState().problem).toEqual({
      code: 'SYNC_DISABLED',
      message: 'this hub runs without sync',
      hint: 'start it with sync',
    });
    // A hub from before the sync routes (no /v1/sync at all) reads the same.
    delete routes['GET /v1/sync'];
    await useSync.getState().load();
    expect(useSync.getState().problem?.code).toBe('SYNC_DISABLED');
  });

  it('checks a device-code sign-in every few seconds until it is signed in, then stops', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const device_login = {
      user_code: 'ABCD-1234',
      verification_uri: 'https://hf.example/device',
      verification_uri_complete: null,
      expires_at: new Date(Date.now() + 600_000).toISOString(),
    };
    routes['GET /v1/sync'] = ok(status());
    await useSync.getState().load();
    routes['POST /v1/sync/login'] = ok({ signed_in: null, device_login });
    routes['GET /v1/sync'] = ok(status({ device_login }));
    await useSync.getState().startDeviceLogin();
    expect(asked.find((a) => a.route === 'POST /v1/sync/login')?.body).toEqual({});
    expect(pendingDeviceLogin(useSync.getState())?.user_code).toBe('ABCD-1234');
    expect(useSync.getState().polling).toBe(true);

    await vi.advanceTimersByTimeAsync(DEVICE_POLL_MS);
    expect(asked.filter((a) => a.route === 'GET /v1/sync')).toHaveLength(2);
    routes['GET /v1/sync'] = ok(status({ signed_in: { user: 'ada', orgs: ['org'], source: 'the device sign-in' } }));
    await vi.advanceTimersByTimeAsync(DEVICE_POLL_MS);
    expect(useSync.getState().status?.signed_in?.user).toBe('ada');
    expect(useSync.getState().polling).toBe(false);
    await vi.advanceTimersByTimeAsync(DEVICE_POLL_MS * 3);
    expect(asked.filter((a) => a.route === 'GET /v1/sync')).toHaveLength(3);
  });

  it('stops waiting on a cancelled code and no longer shows it', async () => {
    const device_login = {
      user_code: 'WXYZ-0000',
      verification_uri: 'https://hf.example/device',
      verification_uri_complete: null,
      expires_at: new Date(Date.now() + 600_000).toISOString(),
    };
    routes['GET /v1/sync'] = ok(status({ device_login }));
    await useSync.getState().load();
    expect(useSync.getState().polling).toBe(true);
    useSync.getState().cancelDeviceLogin();
    expect(useSync.getState().polling).toBe(false);
    expect(pendingDeviceLogin(useSync.getState())).toBeNull();
    // An expired code is not shown either.
    expect(
      pendingDeviceLogin({ status: status({ device_login }), dismissedCode: null }, Date.now() + 700_000),
    ).toBeNull();
  });

  it("throws a refused connect with the hub's message and hint (the invite link) for the form", async () => {
    routes['POST /v1/sync/collabs'] = () => ({
      status: 403,
      body: {
        error: { code: 'NOT_ORG_MEMBER', message: 'ada is not in org', hint: 'join: https://hf.example/invite/x' },
      },
    });
    await expect(useSync.getState().connect(' org/c ')).rejects.toMatchObject({
      problem: { code: 'NOT_ORG_MEMBER', hint: 'join: https://hf.example/invite/x' },
    });
    expect(asked.at(-1)?.body).toEqual({ target: 'org/c' });
  });
});

describe('outbox store', () => {
  it('keeps the later state of each item, newest item first, whichever arrives last', () => {
    const older = item('a', 'sending', '2026-01-01T00:00:02.000Z');
    const newer = item('a', 'sent', '2026-01-01T00:00:05.000Z');
    const second = item('b', 'queued', '2026-01-01T00:00:01.000Z', '2026-01-02T00:00:00.000Z');
    expect(mergeOutbox([newer], [older]).map((i) => i.state)).toEqual(['sent']);
    expect(mergeOutbox([older], [newer, second]).map((i) => `${i.id}:${i.state}`)).toEqual(['b:queued', 'a:sent']);
  });

  it('does not let a list read taken before an event undo it', async () => {
    useOutbox.getState().keep(item('x', 'sent', '2026-01-01T00:00:09.000Z'));
    routes['GET /v1/sync/outbox'] = ok({ items: [item('x', 'sending', '2026-01-01T00:00:03.000Z')] });
    await useOutbox.getState().load();
    expect(useOutbox.getState().items.find((i) => i.id === 'x')?.state).toBe('sent');
  });

  it('retries a failed item and shows what the hub answered', async () => {
    routes['POST /v1/sync/outbox/f%201/retry'] = ok(item('f 1', 'queued', '2026-01-01T00:01:00.000Z'));
    await useOutbox.getState().retry('f 1');
    expect(useOutbox.getState().items.find((i) => i.id === 'f 1')?.state).toBe('queued');
  });
});

describe('publish store', () => {
  const preview: PublishPreview = {
    digest: 'd'.repeat(64),
    collab: 'org/c',
    agent: 'a',
    bucket: 'org/c-a',
    result: 'r.md',
    status: 'exploratory',
    notice: null,
    files: [],
    calls: [],
    withheld: [],
    bytes: 0,
  };

  it('chooses a connected collab and one of its agents where none was chosen', () => {
    const draft = { result: 'r.md', collab: '', agent: '', bundle: true, message: '' };
    expect(withDefaults(draft, [collab('org/c', ['a', 'b'])])).toMatchObject({ collab: 'org/c', agent: 'a' });
    expect(withDefaults({ ...draft, collab: 'gone/x', agent: 'z' }, [collab('org/c', [])])).toMatchObject({
      collab: 'org/c',
      agent: '',
    });
    expect(publishBody({ ...draft, message: '  ' })).not.toHaveProperty('message');
  });

  it('publishes with the digest of the preview shown, and drops the preview when the draft changes', async () => {
    usePublish.getState().setDraft({ result: 'r.md', collab: 'org/c', agent: 'a', message: 'hello' });
    routes['POST /v1/sync/preview'] = ok(preview);
    await usePublish.getState().makePreview();
    expect(usePublish.getState().preview?.digest).toBe(preview.digest);
    routes['POST /v1/sync/publish'] = () => ({ status: 202, body: item('p', 'queued', '2026-01-01T00:00:00.000Z') });
    expect((await usePublish.getState().publish())?.id).toBe('p');
    expect(asked.at(-1)?.body).toEqual({
      result: 'r.md',
      collab: 'org/c',
      agent: 'a',
      bundle: true,
      message: 'hello',
      digest: preview.digest,
    });

    await usePublish.getState().makePreview();
    usePublish.getState().setDraft({ bundle: false });
    expect(usePublish.getState().preview).toBeNull();
  });

  it('keeps a refused preview with its code and hint', async () => {
    routes['POST /v1/sync/preview'] = () => ({
      status: 422,
      body: { error: { code: 'PRIVATE_CONTENT', message: 'it names a private prompt', hint: 'remove it' } },
    });
    await usePublish.getState().makePreview();
    expect(usePublish.getState().problem).toMatchObject({ code: 'PRIVATE_CONTENT', hint: 'remove it' });
    expect(usePublish.getState().preview).toBeNull();
  });
});
