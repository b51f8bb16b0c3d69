// Signing in in the browser (OAuth code + PKCE on a loopback redirect) and keeping the login alive with refresh tokens: through the hub's route, the sync service and the CLI, against the Hub stand-in.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dataLayout } from '../../src/platform/data-folder';
import type { OutboxRecord, SyncLoginResponse, SyncStatus } from '../../src/shared/sync-api';
import { grantFile, readGrant, writeGrant } from '../../src/sync/oauth-grant';
import { codeChallenge } from '../../src/sync/oauth-pkce';
import { createSyncService, fileTokenVault } from '../../src/sync/sync-service';
import { startHfBucketStandin, type HfBucketStandin } from '../helpers/hf-bucket-standin';
import { killAllChildren, startHubProcess, type HubProcess } from '../helpers/hub-process';
import { filesUnder, killSyncChildren, runSync, startSync, syncHome } from '../helpers/sync-cli';

const ADA = 'hf_ada_static_token_000000000000000000001';
let hf: HfBucketStandin;
const roots: string[] = [];

beforeAll(async () => {
  hf = await startHfBucketStandin({
    users: [{ name: 'ada', token: ADA, orgs: [{ name: 'gemma-challenge', role: 'write' }] }],
  });
});
afterEach(() => {
  killSyncChildren();
  vi.useRealTimers();
});
afterAll(async () => {
  await killAllChildren();
  await hf.close();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function home() {
  const h = syncHome(hf.url);
  roots.push(h.root);
  return h;
}

/** A JSON call to the hub as its organizer. */
async function call<T>(base: string, method: string, path: string, o: { token: string; body?: unknown }) {
  const res = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${o.token}`,
      ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
  });
  const text = await res.text();
  return { status: res.status, text, body: (text ? JSON.parse(text) : null) as T };
}

/** The browser: opens the authorize page and follows its redirect to the loopback callback; the page's words. */
async function browse(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

/** Whether anything still listens where the callback was. */
async function listening(redirectUri: string): Promise<boolean> {
  return fetch(redirectUri).then(
    () => true,
    () => false,
  );
}

describe('through the hub: POST /v1/sync/login {browser: true}', () => {
  let hub: HubProcess;
  let h: ReturnType<typeof home>;
  let organizer: string;
  const org = <T>(method: string, path: string, body?: unknown) =>
    call<T>(hub.url, method, path, { token: organizer, ...(body === undefined ? {} : { body }) });

  beforeAll(async () => {
    h = home();
    hub = await startHubProcess(h.data, ['--log'], h.env({ COLLAB_DESK_NO_BROWSER: '1' }));
    organizer = readFileSync(dataLayout(h.data).organizerToken, 'utf8').trim();
  }, 60_000);
  afterAll(() => hub?.stop());

  it('signs in once the browser comes back, keeps the refresh grant in a 0600 sidecar, and leaks no token', async () => {
    const started = await org<SyncLoginResponse>('POST', '/v1/sync/login', { browser: true });
    expect(started.status, started.text).toBe(200);
    const login = started.body.browser_login!;
    const authorize = new URL(login.authorize_url);
    expect(authorize.origin + authorize.pathname).toBe(`${hf.url}/oauth/authorize`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const redirectUri = authorize.searchParams.get('redirect_uri')!;
    expect(redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect((await org<SyncStatus>('GET', '/v1/sync')).body.browser_login?.authorize_url).toBe(login.authorize_url);

    hf.approveAuthorization('ada');
    const page = await browse(login.authorize_url);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Signed in to Hugging Face as ada. You can close this tab');
    expect(await listening(redirectUri)).toBe(false);

    const status = (await org<SyncStatus>('GET', '/v1/sync')).body;
    expect(status.signed_in?.user).toBe('ada');
    expect(status.browser_login ?? null).toBeNull();

    const tokenFile = join(h.hfHome, 'token');
    const access = readFileSync(tokenFile, 'utf8');
    expect(access).toMatch(/^hf_oauth_/);
    const sidecar = join(h.hfHome, 'collab_desk_oauth.json');
    expect(statSync(sidecar).mode & 0o777).toBe(0o600);
    const refresh = readGrant(sidecar)!.refresh_token;
    expect(hf.liveRefreshTokens('ada')).toContain(refresh);
    // The code never shows in the page, and no token in the hub's logs, its requests' URLs or its data folder.
    expect(page.text).not.toMatch(/code=/);
    for (const secret of [access, refresh]) {
      expect(hub.stdout() + hub.stderr()).not.toContain(secret);
      expect(hf.requests.map((r) => r.path).join('\n')).not.toContain(secret);
      for (const f of filesUnder(h.data)) expect(f.text, f.path).not.toContain(secret);
    }
    expect(hub.stderr()).toContain('/v1/sync/login'); // the log is on, and the sign-in went through it

    const out = await org<{ removed: string | null }>('POST', '/v1/sync/logout');
    expect(out.status).toBe(200);
    expect(existsSync(sidecar)).toBe(false);
    expect(existsSync(tokenFile)).toBe(false);
  });
});

/** An outbox record with nothing in it: these tests publish nothing. */
const emptyRecord: OutboxRecord = {
  insert: () => undefined,
  update: () => undefined,
  get: () => null,
  list: () => [],
  unfinished: () => [],
  counts: () => ({ queued: 0, sending: 0, sent: 0, failed: 0, cancelled: 0 }),
};

describe('the sync service: failures leave the person signed out, refresh keeps them in', () => {
  function service() {
    const h = home();
    const env = { HF_HOME: h.hfHome } as NodeJS.ProcessEnv;
    const sync = createSyncService({
      dataFolder: h.data,
      hfEndpoint: hf.url,
      record: emptyRecord,
      vault: fileTokenVault(dataLayout(h.data).hfLogin, env),
    });
    return { h, env, sync, tokenFile: join(h.hfHome, 'token'), sidecar: grantFile(env) };
  }

  async function begin(s: ReturnType<typeof service>) {
    const answer = await s.sync.login({ browser: true });
    const url = new URL(answer.browser_login!.authorize_url);
    return { url, redirectUri: url.searchParams.get('redirect_uri')! };
  }

  async function signedOut(s: ReturnType<typeof service>, words: RegExp, redirectUri: string) {
    const status = await s.sync.status();
    expect(status.signed_in).toBeNull();
    expect(status.sign_in_problem).toMatch(words);
    expect(existsSync(s.tokenFile)).toBe(false);
    expect(existsSync(s.sidecar)).toBe(false);
    expect(await listening(redirectUri)).toBe(false);
  }

  it('an answer with a wrong state is refused in words and cannot end the sign-in; its own answer then signs in', async () => {
    const s = service();
    const { url, redirectUri } = await begin(s);
    hf.approveAuthorization('ada');
    const redirect = await fetch(url, { redirect: 'manual' });
    const own = new URL(redirect.headers.get('location')!);
    const forged = new URL(own.href);
    forged.searchParams.set('state', 'not-the-state');
    const page = await browse(forged.href);
    expect(page.status).toBe(400);
    expect(page.text).toContain('does not belong to this sign-in');
    expect(page.text).not.toContain(forged.searchParams.get('code')!);
    // Still waiting, nothing saved.
    expect(await listening(redirectUri)).toBe(true);
    expect(existsSync(s.tokenFile)).toBe(false);
    const ok = await browse(own.href);
    expect(ok.status, ok.text).toBe(200);
    expect((await s.sync.status()).signed_in?.user).toBe('ada');
    // Answered once: a reload of the tab is not a second exchange.
    expect(await listening(redirectUri)).toBe(false);
    await s.sync.close();
  });

  it('asks for the scopes publishing needs, and refuses a grant without write-repos before saving anything', async () => {
    const s = service();
    const { url, redirectUri } = await begin(s);
    expect(url.searchParams.get('scope')!.split(' ')).toEqual(
      expect.arrayContaining(['write-repos', 'manage-repos', 'jobs']),
    );
    hf.approveAuthorization('ada', { withhold: ['write-repos'] });
    const page = await browse(url.href);
    expect(page.status).toBe(400);
    expect(page.text).toContain('without write-repos');
    await signedOut(s, /without write-repos.*consent page/, redirectUri);
    await s.sync.close();
  });

  it('a denied authorization says it was declined', async () => {
    const s = service();
    const { url, redirectUri } = await begin(s);
    hf.denyAuthorization();
    const page = await browse(url.href);
    expect(page.text).toContain('the sign-in was declined in the browser');
    await signedOut(s, /declined in the browser/, redirectUri);
    await s.sync.close();
  });

  it('a wrong verifier (the challenge swapped on the way) is refused by the Hub', async () => {
    const s = service();
    const { url, redirectUri } = await begin(s);
    url.searchParams.set('code_challenge', codeChallenge('x'.repeat(43)));
    hf.approveAuthorization('ada');
    const page = await browse(url.href);
    expect(page.status).toBe(400);
    expect(page.text).toContain('the Hub did not accept the sign-in answer');
    await signedOut(s, /did not accept the sign-in answer/, redirectUri);
    await s.sync.close();
  });

  async function signIn() {
    const s = service();
    const { url } = await begin(s);
    hf.approveAuthorization('ada');
    expect((await browse(url.href)).text).toContain('as ada');
    expect((await s.sync.status()).signed_in?.user).toBe('ada');
    return s;
  }

  it('an expired access token is renewed before use; the rotated refresh token is saved', async () => {
    const s = await signIn();
    const first = { access: readFileSync(s.tokenFile, 'utf8'), refresh: readGrant(s.sidecar)!.refresh_token };
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    vi.setSystemTime(Date.now() + 3601_000);
    const status = await s.sync.status();
    expect(status.signed_in?.user, status.sign_in_problem ?? '').toBe('ada');
    const now = { access: readFileSync(s.tokenFile, 'utf8'), refresh: readGrant(s.sidecar)!.refresh_token };
    expect(now.access).not.toBe(first.access);
    expect(now.refresh).not.toBe(first.refresh);
    expect(hf.liveRefreshTokens('ada')).toContain(now.refresh);
    expect(hf.liveRefreshTokens('ada')).not.toContain(first.refresh);
    await s.sync.close();
  });

  it('a 401 from whoami (the Hub ended the token early) renews it once and goes on', async () => {
    const s = await signIn();
    const before = readFileSync(s.tokenFile, 'utf8');
    // The sidecar believes the token lives a day; the Hub ends it after its hour.
    writeGrant(s.sidecar, { ...readGrant(s.sidecar)!, expires_at: new Date(Date.now() + 86_400_000).toISOString() });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    vi.setSystemTime(Date.now() + 3601_000);
    expect((await s.sync.status()).signed_in?.user).toBe('ada');
    expect(readFileSync(s.tokenFile, 'utf8')).not.toBe(before);
    await s.sync.close();
  });

  it('a revoked refresh token says to sign in again; logout removes the sidecar', async () => {
    const s = await signIn();
    hf.revokeRefreshToken(readGrant(s.sidecar)!.refresh_token);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    vi.setSystemTime(Date.now() + 3601_000);
    const status = await s.sync.status();
    expect(status.signed_in).toBeNull();
    expect(status.sign_in_problem).toMatch(/sign-in has ended.*sign in again/);
    await s.sync.logout();
    expect(existsSync(s.sidecar)).toBe(false);
    expect(existsSync(s.tokenFile)).toBe(false);
    await s.sync.close();
  });
});

describe('collab-desk sync login --browser', () => {
  it('prints the page to open, waits for the browser, prints who signed in; whoami and logout follow', async () => {
    const h = home();
    const env = h.env({ COLLAB_DESK_NO_BROWSER: '1' });
    const run = startSync(['login', '--browser', '--data', h.data], env);
    const [, url] = await run.line(/To sign in, open (\S+)/);
    hf.approveAuthorization('ada');
    expect((await browse(url!)).text).toContain('Signed in to Hugging Face as ada');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('signed in as ada; the token is saved in');
    expect(r.stdout).toContain('orgs: gemma-challenge');
    const sidecar = join(h.hfHome, 'collab_desk_oauth.json');
    expect(statSync(sidecar).mode & 0o777).toBe(0o600);
    const access = readFileSync(join(h.hfHome, 'token'), 'utf8');
    const refresh = readGrant(sidecar)!.refresh_token;
    expect(r.stdout + r.stderr).not.toContain(access);
    expect(r.stdout + r.stderr).not.toContain(refresh);

    const who = await runSync(['whoami', '--data', h.data], env);
    expect(who.code, who.stderr).toBe(0);
    expect(who.stdout).toContain('user: ada');

    const out = await runSync(['logout', '--data', h.data], env);
    expect(out.stdout).toContain('signed out: removed');
    expect(existsSync(sidecar)).toBe(false);
  });

  it('a denied sign-in fails plainly and saves nothing', async () => {
    const h = home();
    const run = startSync(['login', '--browser', '--data', h.data], h.env({ COLLAB_DESK_NO_BROWSER: '1' }));
    const [, url] = await run.line(/To sign in, open (\S+)/);
    hf.denyAuthorization();
    await browse(url!);
    const r = await run.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('collab-desk sync login: the sign-in was declined in the browser');
    expect(existsSync(join(h.hfHome, 'token'))).toBe(false);
  });
});
