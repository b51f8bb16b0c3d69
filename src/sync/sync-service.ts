// The sync service the hub's /v1/sync routes call: Hugging Face sign-in, connected collabs and identities on them, preview and publish through the outbox.
import { join } from 'node:path';
import { dataLayout } from '../platform/data-folder';
import type {
  BrowserLogin,
  CollabAgent,
  CollabRegisterBody,
  DeviceLogin,
  OutboxItem,
  OutboxRecord,
  PublishBody,
  PublishMaterial,
  PublishPreview,
  SignedIn,
  SyncCollab,
  SyncControl,
  SyncDiscoverList,
  SyncLoginBody,
  SyncLoginResponse,
  SyncStatus,
} from '../shared/sync-api';
import { connectionFor, discoverCollabs, fetchRules, resolveCollab } from './collab-directory';
import { jobsFileFor } from './collab-jobs';
import { jobMaterial } from './job-material';
import { registerOnCollab } from './collab-registration';
import { listConnections, saveCollabAgent, saveConnection, type CollabConnection } from './collab-store';
import { deviceClientId, pollDeviceTokens, requestDeviceCode } from './device-flow';
import { currentLogin, describeSource, saveLogin, signOut, type HfLogin } from './hf-auth';
import { whoami, type HfIdentity } from './hf-whoami';
import { grantFile, grantOf, readGrant, writeGrant, type OAuthGrant } from './oauth-grant';
import type { OAuthTokens } from './oauth-grant';
import { startBrowserLogin, type BrowserLogin as BrowserFlow } from './oauth-pkce';
import { freshLogin, whoamiFresh } from './oauth-refresh';
import { Outbox } from './outbox';
import { planPublish } from './publish-plan';
import { SyncError } from './sync-error';

/**
 * Where the Hugging Face token lives. The CLI and a headless hub use the standard token file (shared with `hf`);
 * the desktop app passes one kept in the OS keychain (Electron safeStorage).
 */
export interface TokenVault {
  current(): HfLogin | null;
  /** Stores a validated token; returns where, in words. */
  save(token: string): string;
  /** Signs out of what we stored (the refresh grant too); says what is still signed in and why. */
  clear(): { removed: string | null; left: string[] };
  /** The refresh grant kept beside an OAuth login (oauth-grant.ts); vaults without one never renew. */
  grant?(): OAuthGrant | null;
  /** Keeps the grant of the token just saved, or forgets it (null: a pasted token has none). */
  saveGrant?(grant: OAuthGrant | null): void;
}

/** The standard token file `hf auth login` writes (HF_TOKEN wins over it, as in every HF tool). */
export function fileTokenVault(markerFile: string, env: NodeJS.ProcessEnv = process.env): TokenVault {
  return {
    current: () => currentLogin(env),
    save: (token) => `the token file ${saveLogin(token, markerFile, env)}`,
    grant: () => readGrant(grantFile(env)),
    saveGrant: (grant) => writeGrant(grantFile(env), grant),
    clear: () => {
      const report = signOut(markerFile, {}, env);
      return { removed: report.removed, left: report.left.map((l) => `${describeSource(l.source)}: ${l.why}`) };
    },
  };
}

export interface SyncServiceOptions {
  /** The hub's data folder: sync/collabs.json, sync/outbox/. */
  dataFolder: string;
  /** The Hugging Face endpoint (HF_ENDPOINT, a stand-in in tests). */
  hfEndpoint: string;
  record: OutboxRecord;
  vault?: TokenVault;
  fetch?: typeof fetch;
  /** Outbox timing (tests shorten the backoff). */
  backoffMs?: number;
  maxAttempts?: number;
  /** Scales the device-code poll interval the Hub asks for (tests: 0). */
  devicePollScale?: number;
}

/** How long a who-am-I answer is reused: the dashboard asks for the status often, the Hub need not hear each time. */
const WHOAMI_TTL_MS = 60_000;

export function createSyncService(options: SyncServiceOptions): SyncControl & { start(): void } {
  const layout = dataLayout(options.dataFolder);
  const vault = options.vault ?? fileTokenVault(layout.hfLogin);
  const hubUrl = options.hfEndpoint;
  const listeners = new Set<(item: OutboxItem) => void>();
  let identity: { token: string; me: HfIdentity; at: number } | null = null;
  let device: { login: DeviceLogin; problem: string | null } | null = null;
  let browser: { login: BrowserLogin; flow: BrowserFlow; problem: string | null } | null = null;
  let renewTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const outbox = new Outbox({
    record: options.record,
    folder: join(options.dataFolder, 'sync', 'outbox'),
    hubUrl,
    // Renewed on the way when it is due: a laptop that slept past the expiry sends with a fresh token.
    token: async () => (await freshLogin(vault, { fetch: options.fetch }).catch(() => vault.current()))?.token ?? null,
    fetch: options.fetch,
    backoffMs: options.backoffMs,
    maxAttempts: options.maxAttempts,
    onChange: (item) => {
      for (const l of listeners) l(item);
    },
  });

  async function me(login: HfLogin): Promise<HfIdentity> {
    if (identity && identity.token === login.token && Date.now() - identity.at < WHOAMI_TTL_MS) return identity.me;
    const answer = await whoami(login.token, { hubUrl, fetch: options.fetch });
    identity = { token: login.token, me: answer, at: Date.now() };
    return answer;
  }

  function requireLogin(): HfLogin {
    const login = vault.current();
    if (!login)
      throw new SyncError(
        'NOT_SIGNED_IN',
        'not signed in to Hugging Face',
        'sign in first (the Public collab panel, or `collab-desk sync login`)',
      );
    return login;
  }

  const signedIn = (login: HfLogin, who: HfIdentity): SignedIn => ({
    user: who.name,
    orgs: who.orgs.map((o) => o.name),
    source: describeSource(login.source),
  });

  function collabOf(id: string): CollabConnection {
    const all = listConnections(layout.collabs);
    const found = all.find((c) => c.id === id);
    if (!found)
      throw new SyncError(
        'COLLAB_NOT_CONNECTED',
        `${id} is not connected`,
        `connect it first; connected: ${all.map((c) => c.id).join(', ') || 'none'}`,
      );
    return found;
  }

  function agentOf(collab: CollabConnection, agentId: string): CollabAgent {
    const found = (collab.agents ?? []).find((a) => a.agent_id === agentId);
    if (!found)
      throw new SyncError(
        'COLLAB_AGENT_UNKNOWN',
        `${agentId} is not registered on ${collab.id} from this machine`,
        `register it first; registered: ${(collab.agents ?? []).map((a) => a.agent_id).join(', ') || 'none'}`,
      );
    return found;
  }

  const view = (c: CollabConnection): SyncCollab => ({
    id: c.id,
    title: c.title,
    api_url: c.api_url,
    dashboard_url: c.dashboard_url,
    central_bucket: c.central_bucket,
    score_field: c.score_field,
    score_unit: c.score_unit,
    score_order: c.score_order,
    required_result_fields: c.required_result_fields,
    limits: c.limits,
    runs_jobs: c.runs_jobs,
    fixed_hardware: c.runs_jobs,
    docs: c.docs,
    rules_url: c.rules_url,
    invite_url: c.invite_url,
    connected_at: c.connected_at,
    agents: c.agents ?? [],
  });

  async function plan(material: PublishMaterial | null, body: PublishBody) {
    const collab = collabOf(body.collab);
    const agent = agentOf(collab, body.agent);
    if ((body.job === undefined) === (body.result === undefined))
      throw new SyncError('COLLAB_REFUSED', 'name exactly one of a result and a job', 'give {result} or {job}');
    const built =
      body.job !== undefined
        ? await jobMaterial(body.job, collab, agent, {
            token: ((await freshLogin(vault, { fetch: options.fetch })) ?? requireLogin()).token,
            hubUrl,
            jobsFile: jobsFileFor(layout.collabs),
            fetch: options.fetch,
          })
        : material;
    if (!built)
      throw new SyncError('COLLAB_REFUSED', `no material for ${body.result}`, 'preview the result through the hub');
    return { collab, plan: planPublish(built, collab, agent, body, vault.current()?.token ?? null) };
  }

  /** Checks an OAuth sign-in's access token, then stores it and its refresh grant; returns who signed in. */
  async function keep(tokens: OAuthTokens, where: { token_endpoint: string; client_id: string }): Promise<string> {
    const who = await whoami(tokens.access_token, { hubUrl, fetch: options.fetch });
    vault.save(tokens.access_token);
    vault.saveGrant?.(grantOf(tokens, where));
    identity = { token: tokens.access_token, me: who, at: Date.now() };
    scheduleRenewal();
    return who.name;
  }

  /**
   * Renews an OAuth login shortly before its access token lapses, so the outbox (which reads the token as it sends)
   * never holds an expired one; status and register renew on their own too, and after a 401.
   */
  function scheduleRenewal(): void {
    clearTimeout(renewTimer);
    const grant = vault.grant?.() ?? null;
    const expires = grant?.expires_at ? Date.parse(grant.expires_at) : NaN;
    if (closed || !Number.isFinite(expires)) return;
    const delay = Math.min(Math.max(expires - 60_000 - Date.now(), 0), 2 ** 31 - 1);
    renewTimer = setTimeout(() => {
      freshLogin(vault, { fetch: options.fetch }).then(
        () => scheduleRenewal(),
        () => {
          // Unreachable (asleep, offline) or refused: tried again in a minute; status says why meanwhile.
          if (closed) return;
          renewTimer = setTimeout(() => scheduleRenewal(), 60_000);
          renewTimer.unref?.();
        },
      );
    }, delay);
    renewTimer.unref?.();
  }

  /** A browser sign-in (oauth-pkce.ts): the hub listens on loopback for the Hub's redirect and keeps the login. */
  async function startBrowser(): Promise<BrowserLogin> {
    if (browser && !browser.problem && Date.parse(browser.login.expires_at) > Date.now()) return browser.login;
    browser?.flow.cancel();
    const flow = await startBrowserLogin({
      endpoint: hubUrl,
      clientId: deviceClientId(),
      fetch: options.fetch,
      complete: keep,
    });
    const current = {
      login: { authorize_url: flow.authorizeUrl, expires_at: new Date(flow.expiresAt).toISOString() },
      flow,
      problem: null as string | null,
    };
    browser = current;
    device = null;
    flow.result.then(
      () => {
        if (browser === current) browser = null;
      },
      (err: unknown) => {
        if (browser === current)
          current.problem = err instanceof SyncError ? err.display : String((err as Error)?.message ?? err);
      },
    );
    return current.login;
  }

  async function startDeviceLogin(): Promise<DeviceLogin> {
    // One sign-in at a time: a second click (or a second page) gets the code already shown, which is still polled.
    if (device && !device.problem && Date.parse(device.login.expires_at) > Date.now()) return device.login;
    const flow = { endpoint: hubUrl, clientId: deviceClientId(), fetch: options.fetch };
    const code = await requestDeviceCode(flow);
    const login: DeviceLogin = {
      user_code: code.user_code,
      verification_uri: code.verification_uri,
      verification_uri_complete: code.verification_uri_complete,
      expires_at: new Date(Date.now() + code.expires_in * 1000).toISOString(),
    };
    const current = { login, problem: null as string | null };
    device = current;
    const scale = options.devicePollScale ?? 1;
    const fail = (err: unknown) => {
      if (device === current)
        current.problem = err instanceof SyncError ? err.display : String((err as Error)?.message ?? err);
    };
    // Polled here, not by the page: the token never crosses to the renderer, only "signed in as".
    void (async () => {
      try {
        const tokens = await pollDeviceTokens(code, flow, {
          wait: (ms) =>
            new Promise((resolve, reject) => {
              if (closed || device !== current) reject(new Error('sign-in abandoned'));
              else setTimeout(resolve, ms * scale).unref?.();
            }),
        });
        // Approved: checked and stored; any failure here is the sign-in's problem, never the hub's crash.
        await keep(tokens, { token_endpoint: `${hubUrl}/oauth/token`, client_id: flow.clientId });
        if (device === current) device = null;
      } catch (err) {
        fail(err);
      }
    })();
    return login;
  }

  return {
    start: () => {
      outbox.start();
      scheduleRenewal();
    },

    async status(): Promise<SyncStatus> {
      let signed: SignedIn | null = null;
      let problem: string | null = device?.problem ?? browser?.problem ?? null;
      try {
        // Renewed on the way when an OAuth login's access token is due or refused (oauth-refresh.ts).
        const fresh = await whoamiFresh(vault, me, { fetch: options.fetch });
        if (fresh) signed = signedIn(fresh.login, fresh.me);
      } catch (err) {
        problem = err instanceof SyncError ? err.display : String(err);
      }
      const counts = outbox.counts();
      return {
        signed_in: signed,
        sign_in_problem: problem,
        device_login: signed || device?.problem ? null : (device?.login ?? null),
        browser_login: signed || browser?.problem ? null : (browser?.login ?? null),
        collabs: listConnections(layout.collabs).map(view),
        outbox: counts,
      };
    },

    async login(body: SyncLoginBody): Promise<SyncLoginResponse> {
      if (body.token !== undefined) {
        const token = body.token.trim();
        // Checked before it is stored: a mistyped paste never becomes the machine's login.
        const who = await whoami(token, { hubUrl, fetch: options.fetch });
        const where = vault.save(token);
        vault.saveGrant?.(null);
        identity = { token, me: who, at: Date.now() };
        device = null;
        return { signed_in: { user: who.name, orgs: who.orgs.map((o) => o.name), source: where }, device_login: null };
      }
      if (body.browser) return { signed_in: null, device_login: null, browser_login: await startBrowser() };
      return { signed_in: null, device_login: await startDeviceLogin() };
    },

    async logout() {
      device = null;
      browser?.flow.cancel();
      browser = null;
      clearTimeout(renewTimer);
      identity = null;
      return vault.clear();
    },

    async connect(target: string): Promise<SyncCollab> {
      const info = await resolveCollab(target, { hfEndpoint: hubUrl, fetch: options.fetch });
      const rules = await fetchRules(info, { hfEndpoint: hubUrl, fetch: options.fetch });
      return view(saveConnection(layout.collabs, info, rules?.url ?? null));
    },

    async discover(): Promise<SyncDiscoverList> {
      // With the signed-in token the Hub lists the person's private and org Spaces too; without one, the public ones.
      // A login due for renewal is renewed first; one that cannot be still lists the public ones as it stands.
      const login = await freshLogin(vault, { fetch: options.fetch }).catch(() => vault.current());
      const token = login?.token ?? null;
      const found = await discoverCollabs({ hfEndpoint: hubUrl, fetch: options.fetch, token });
      const connections = listConnections(layout.collabs);
      return {
        collabs: found.map((f) => ({
          space: f.space,
          title: f.title,
          likes: f.likes,
          dashboard_url: f.url,
          updated_at: f.updated_at,
          connected: connectionFor(f, connections) !== null,
          collab: connectionFor(f, connections)?.id ?? null,
        })),
      };
    },

    async register(body: CollabRegisterBody): Promise<CollabAgent> {
      const collab = collabOf(body.collab);
      requireLogin();
      const { login, me: who } = (await whoamiFresh(vault, me, { fetch: options.fetch }))!;
      const agent = await registerOnCollab({
        collab,
        agentId: body.agent_id,
        model: body.model,
        harness: body.harness ?? 'collab-desk',
        token: login.token,
        user: who.name,
        hubUrl,
        fetch: options.fetch,
      });
      saveCollabAgent(layout.collabs, collab.id, agent);
      return agent;
    },

    async preview(material: PublishMaterial | null, body: PublishBody): Promise<PublishPreview> {
      return (await plan(material, body)).plan.preview;
    },

    async publish(material: PublishMaterial | null, body: PublishBody): Promise<OutboxItem> {
      requireLogin();
      await freshLogin(vault, { fetch: options.fetch });
      const { collab, plan: built } = await plan(material, body);
      if (body.digest !== built.digest)
        throw new SyncError(
          'PREVIEW_STALE',
          'what would be sent is not what the preview showed (the result, the collab or the agent changed)',
          'preview again, then publish what it shows',
        );
      return outbox.enqueue(built, collab, body.agent, body.message ?? null);
    },

    outbox: (limit?: number) => outbox.list(limit),
    retry: (id: string) => outbox.retry(id),
    cancel: (id: string) => outbox.cancel(id),

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      closed = true;
      device = null;
      browser?.flow.cancel();
      browser = null;
      clearTimeout(renewTimer);
      listeners.clear();
      await outbox.close();
    },
  };
}
