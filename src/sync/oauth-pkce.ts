// Signing in with the OAuth 2.0 authorization-code grant and PKCE (RFC 7636, S256) on a one-shot loopback redirect (RFC 8252 §7.3).
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HF_DEVICE_CLIENT_ID } from './device-flow';
import type { OAuthTokens } from './oauth-grant';
import { networkReason, SyncError } from './sync-error';

/** What a token endpoint answers (RFC 6749 §5.1), for the device grant, this grant and a refresh alike. */
/** Where the Hub's authorization and token endpoints are. */
export interface OAuthEndpoints {
  authorization_endpoint: string;
  token_endpoint: string;
}

/**
 * A code verifier (§4.1): 32 random bytes as base64url, 43 characters of the unreserved set, the spec's
 * recommended entropy.
 */
export function codeVerifier(): string {
  return randomBytes(32).toString('base64url');
}

/** The S256 challenge (§4.2): base64url(sha256(ascii(verifier))), no padding. */
export function codeChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** An unguessable `state`: the callback must bring it back, so another page cannot inject its own code (RFC 6749 §10.12). */
export function randomState(): string {
  return randomBytes(16).toString('base64url');
}

/** The OAuth error codes (RFC 6749 §4.1.2.1, §5.2) in words a person can act on. */
export function oauthErrorWords(error: string | null | undefined): string {
  switch (error) {
    case 'access_denied':
      return 'the sign-in was declined in the browser';
    case 'invalid_grant':
      return 'the Hub did not accept the sign-in answer (expired, already used, or not made for this app)';
    case 'invalid_client':
    case 'unauthorized_client':
      return 'the Hub does not know this app as an OAuth client';
    case 'invalid_request':
      return 'the Hub found the sign-in request malformed';
    case 'invalid_scope':
      return 'the Hub refused the permissions asked for';
    case 'unsupported_grant_type':
    case 'unsupported_response_type':
      return 'the Hub does not offer this way of signing in';
    case 'server_error':
    case 'temporarily_unavailable':
      return 'the Hub could not finish the sign-in just now';
    default:
      return `the Hub refused the sign-in (${error || 'no error code'})`;
  }
}

/** The token endpoint's answer, or null when it is not one (no access token). */
export function parseTokens(body: unknown): OAuthTokens | null {
  const b = body as Record<string, unknown> | null;
  if (!b || typeof b.access_token !== 'string' || !b.access_token) return null;
  return {
    access_token: b.access_token,
    refresh_token: typeof b.refresh_token === 'string' && b.refresh_token ? b.refresh_token : null,
    expires_in: typeof b.expires_in === 'number' && b.expires_in > 0 ? b.expires_in : null,
    scope: typeof b.scope === 'string' ? b.scope : null,
  };
}

/**
 * What publishing needs of a browser sign-in (hub docs, oauth.md "supported scopes"): writing the agent's scratch
 * bucket (write-repos), creating it on older collabs (manage-repos), running Jobs on the user's account (jobs), and
 * whether they can pay for them (read-billing). Access to the collab's org is granted on the consent page.
 */
export const SYNC_SCOPES = 'openid profile read-repos write-repos manage-repos jobs read-billing';

/** A grant that says which scopes it has and lacks write-repos cannot publish: refused then, not found out later. */
export function missingScopes(granted: string | null | undefined): string[] {
  if (!granted) return [];
  const have = new Set(granted.split(/[\s,]+/));
  return ['write-repos'].filter((s) => !have.has(s));
}

/**
 * The Hub's endpoints as @huggingface/hub finds them: its OpenID configuration, else the paths it serves them at
 * ({hub}/oauth/authorize, {hub}/oauth/token), for a mirror that publishes none.
 */
export async function discoverEndpoints(endpoint: string, fetcher: typeof fetch = fetch): Promise<OAuthEndpoints> {
  const fallback = { authorization_endpoint: `${endpoint}/oauth/authorize`, token_endpoint: `${endpoint}/oauth/token` };
  try {
    const res = await fetcher(`${new URL(endpoint).origin}/.well-known/openid-configuration`, {
      headers: { accept: 'application/json' },
    });
    if (!res.ok) return fallback;
    const c = (await res.json()) as Record<string, unknown>;
    return {
      authorization_endpoint:
        typeof c.authorization_endpoint === 'string' ? c.authorization_endpoint : fallback.authorization_endpoint,
      token_endpoint: typeof c.token_endpoint === 'string' ? c.token_endpoint : fallback.token_endpoint,
    };
  } catch {
    return fallback;
  }
}

/** POSTs a form to the token endpoint; the fields (a code, a verifier, a refresh token) travel in the body only. */
export async function tokenRequest(
  tokenEndpoint: string,
  fields: Record<string, string>,
  fetcher: typeof fetch = fetch,
): Promise<{ tokens: OAuthTokens | null; error: string | null; status: number }> {
  let res: Response;
  try {
    res = await fetcher(tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(fields).toString(),
    });
  } catch (err) {
    throw new SyncError(
      'HF_UNREACHABLE',
      `cannot reach ${new URL(tokenEndpoint).origin} (${networkReason(err)})`,
      'check the connection, or HF_ENDPOINT if you use a mirror',
    );
  }
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  const tokens = res.ok ? parseTokens(body) : null;
  const error = tokens ? null : typeof body?.error === 'string' ? body.error : null;
  return { tokens, error, status: res.status };
}

export interface BrowserLoginOptions {
  /** The Hugging Face endpoint (HF_ENDPOINT, a stand-in in tests). */
  endpoint: string;
  /** The device flow's public client (HF_DEVICE_CODE_OAUTH_CLIENT_ID overrides it there, deviceClientId()). */
  clientId?: string;
  /** Space-separated scopes; default SYNC_SCOPES (what publishing needs). */
  scopes?: string;
  /** How long the listener waits for the browser (default ten minutes). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /**
   * Runs once the code is exchanged, before the browser's page is answered: validates and stores the login and
   * returns who signed in, so the page says "signed in" only when the login is really kept.
   */
  complete?: (tokens: OAuthTokens, where: { token_endpoint: string; client_id: string }) => Promise<string>;
}

export interface BrowserLogin {
  /** The page to open in the browser (it holds the challenge and the state, never the verifier). */
  authorizeUrl: string;
  /** http://127.0.0.1:<port>/callback */
  redirectUri: string;
  /** When the listener gives up (ms since the epoch). */
  expiresAt: number;
  /** The tokens and who signed in, once the browser came back with a code that the Hub exchanged. */
  result: Promise<{ tokens: OAuthTokens; user: string | null }>;
  /** Resolves once the listener has stopped listening (after the callback, expiry or cancel). */
  closed: Promise<void>;
  /** Stops waiting: the result rejects and the listener closes. */
  cancel(): void;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The page the browser shows after the redirect: the outcome in words, never the code or a token. */
function page(res: ServerResponse, status: number, title: string, text: string): void {
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<meta name="referrer" content="no-referrer"></head><body style="font-family:system-ui,sans-serif;margin:3rem">` +
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    connection: 'close',
  });
  res.end(html);
}

const AGAIN = 'sign in again (`collab-desk sync login --browser`, or the Public collab panel)';

/**
 * Starts a browser sign-in: listens on 127.0.0.1 at an ephemeral port for one callback, and returns the URL to open.
 * The verifier stays in this process; the code the browser brings back is exchanged at once and answered with a
 * page in words. The first answer with this sign-in's state ends it (one with another state is refused and ignored),
 * so the listener lives for one answer.
 */
export async function startBrowserLogin(options: BrowserLoginOptions): Promise<BrowserLogin> {
  const fetcher = options.fetch ?? fetch;
  const clientId = options.clientId ?? HF_DEVICE_CLIENT_ID;
  const endpoints = await discoverEndpoints(options.endpoint, fetcher);
  const verifier = codeVerifier();
  const state = randomState();
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;

  let settle!: { resolve: (v: { tokens: OAuthTokens; user: string | null }) => void; reject: (e: unknown) => void };
  const result = new Promise<{ tokens: OAuthTokens; user: string | null }>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Nobody may be listening yet when it fails (a cancel before the caller awaits): never an unhandled rejection.
  result.catch(() => undefined);
  let done = false;
  let claimed = false;

  const server = createServer();
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  const finish = (outcome: { ok: { tokens: OAuthTokens; user: string | null } } | { err: unknown }) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    server.close();
    server.closeIdleConnections?.();
    if ('ok' in outcome) settle.resolve(outcome.ok);
    else settle.reject(outcome.err);
  };

  const callback = async (url: URL, res: ServerResponse) => {
    const q = url.searchParams;
    if (q.get('state') !== state) {
      // Not this sign-in's answer (another page, a stale tab): refused, and the real one is still awaited, so
      // nothing else on this machine can end the sign-in by calling the port.
      page(
        res,
        400,
        'Not this sign-in',
        'the browser came back with an answer that does not belong to this sign-in (state mismatch). Nothing was saved; the sign-in is still waiting for its own answer.',
      );
      return;
    }
    // Claimed before anything is awaited: a reloaded tab is answered 404, never a second exchange of a used code.
    claimed = true;
    const error = q.get('error');
    if (error) {
      const err =
        error === 'access_denied'
          ? new SyncError('ACCESS_DENIED', oauthErrorWords(error), `${AGAIN} and choose Authorize`)
          : new SyncError('BROWSER_LOGIN_FAILED', oauthErrorWords(error), AGAIN);
      page(res, 400, 'Sign-in failed', `${err.message}. Nothing was saved; you can close this tab.`);
      return finish({ err });
    }
    const code = q.get('code');
    if (!code) {
      const err = new SyncError('BROWSER_LOGIN_FAILED', 'the browser came back without a code', AGAIN);
      page(res, 400, 'Sign-in failed', `${err.message}. Nothing was saved; you can close this tab.`);
      return finish({ err });
    }
    try {
      const answer = await tokenRequest(
        endpoints.token_endpoint,
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          code_verifier: verifier,
          client_id: clientId,
        },
        fetcher,
      );
      if (!answer.tokens)
        throw new SyncError(
          answer.error === 'access_denied' ? 'ACCESS_DENIED' : 'BROWSER_LOGIN_FAILED',
          oauthErrorWords(answer.error ?? `HTTP ${answer.status}`),
          AGAIN,
        );
      const missing = missingScopes(answer.tokens.scope);
      if (missing.length > 0)
        throw new SyncError(
          'BROWSER_LOGIN_FAILED',
          `the Hub granted "${answer.tokens.scope}", without ${missing.join(', ')}: this login could not publish`,
          'allow Collab Desk to write your repos (and the collab org) on the consent page, or sign in with --device or a token',
        );
      const where = { token_endpoint: endpoints.token_endpoint, client_id: clientId };
      const user = options.complete ? await options.complete(answer.tokens, where) : null;
      page(
        res,
        200,
        'Signed in',
        `Signed in to Hugging Face${user ? ` as ${user}` : ''}. You can close this tab and go back to Collab Desk.`,
      );
      finish({ ok: { tokens: answer.tokens, user } });
    } catch (err) {
      const words = err instanceof SyncError ? err.message : 'the sign-in could not be finished';
      page(res, 400, 'Sign-in failed', `${words}. Nothing was saved; you can close this tab.`);
      finish({ err });
    }
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/callback' || done || claimed) {
      // A favicon, a second tab: not the answer, and nothing to learn here.
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      return void res.end('not found');
    }
    void callback(url, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  const expiresAt = Date.now() + timeoutMs;
  const timer = setTimeout(
    () =>
      finish({
        err: new SyncError(
          'BROWSER_LOGIN_FAILED',
          'the browser did not come back before the sign-in expired',
          `${AGAIN} and approve within ${Math.round(timeoutMs / 60_000)} min`,
        ),
      }),
    timeoutMs,
  );
  timer.unref?.();

  const authorizeUrl = `${endpoints.authorization_endpoint}?${new URLSearchParams({
    client_id: clientId,
    scope: options.scopes ?? SYNC_SCOPES,
    response_type: 'code',
    redirect_uri: redirectUri,
    state,
    code_challenge: codeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString()}`;

  return {
    authorizeUrl,
    redirectUri,
    expiresAt,
    result,
    closed,
    cancel: () => finish({ err: new SyncError('BROWSER_LOGIN_FAILED', 'the browser sign-in was cancelled', AGAIN) }),
  };
}
