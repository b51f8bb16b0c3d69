// Keeping an OAuth sign-in alive: renewing the access token with its refresh token (RFC 6749 §6) before it expires, or once the Hub refuses it.
import type { HfLogin } from './hf-auth';
import type { HfIdentity } from './hf-whoami';
import { grantMatches, grantOf, type OAuthGrant, type OAuthTokens } from './oauth-grant';
import { oauthErrorWords, tokenRequest } from './oauth-pkce';
import { SyncError } from './sync-error';

/** The part of a token vault refreshing needs (sync-service.ts's TokenVault; the CLI's file vault too). */
export interface GrantVault {
  current(): HfLogin | null;
  save(token: string): string;
  grant?(): OAuthGrant | null;
  saveGrant?(grant: OAuthGrant | null): void;
}

export interface RefreshOptions {
  fetch?: typeof fetch;
  now?: () => number;
  /** Renew this long before the expiry (default one minute): a request never leaves with a token about to lapse. */
  marginMs?: number;
  /** Renew now, whatever the expiry says (the Hub just refused the token). */
  force?: boolean;
}

export const SIGN_IN_AGAIN =
  'sign in again: `collab-desk sync login --browser` (or --device), or the Public collab panel';

/** One renewal per refresh token at a time: the Hub rotates it, so a second use of the old one would be refused. */
const inFlight = new Map<string, Promise<OAuthTokens>>();

/**
 * Trades the refresh token for a new access token (and, where the Hub rotates them, a new refresh token). A refusal
 * (invalid_grant: revoked, expired, used) ends the sign-in: the error says to sign in again.
 */
export function refreshTokens(grant: OAuthGrant, fetcher?: typeof fetch): Promise<OAuthTokens> {
  const running = inFlight.get(grant.refresh_token);
  if (running) return running;
  const p = (async () => {
    const answer = await tokenRequest(
      grant.token_endpoint,
      { grant_type: 'refresh_token', refresh_token: grant.refresh_token, client_id: grant.client_id },
      fetcher,
    );
    if (answer.tokens) return answer.tokens;
    if (answer.status >= 500)
      throw new SyncError(
        'HF_ERROR',
        `the Hub answered ${answer.status} when renewing the sign-in`,
        'try again in a minute; if it persists, check https://status.huggingface.co',
      );
    throw new SyncError(
      'SIGN_IN_EXPIRED',
      `the Hugging Face sign-in has ended: ${oauthErrorWords(answer.error ?? `HTTP ${answer.status}`)}`,
      SIGN_IN_AGAIN,
    );
  })().finally(() => inFlight.delete(grant.refresh_token));
  inFlight.set(grant.refresh_token, p);
  return p;
}

/** Whether the login in use is one this grant renews (not HF_TOKEN, not a file another tool replaced). */
export function renewable(vault: GrantVault, login: HfLogin | null): boolean {
  return !!login && grantMatches(vault.grant?.() ?? null, login.token);
}

/**
 * The login in use, renewed first when its access token is due (or `force`): the new pair is saved before it is
 * returned, the refresh token it replaced is gone for good. Logins without a grant come back as they are.
 */
export async function freshLogin(vault: GrantVault, options: RefreshOptions = {}): Promise<HfLogin | null> {
  const login = vault.current();
  const grant = vault.grant?.() ?? null;
  if (!login || !grantMatches(grant, login.token)) return login;
  const now = (options.now ?? Date.now)();
  const expires = grant.expires_at ? Date.parse(grant.expires_at) : NaN;
  const due = Number.isFinite(expires) && expires - (options.marginMs ?? 60_000) <= now;
  if (!due && !options.force) return login;
  const tokens = await refreshTokens(grant, options.fetch);
  vault.save(tokens.access_token);
  // A Hub that does not rotate keeps the old refresh token working (RFC 6749 §6): keep it then.
  vault.saveGrant?.(grantOf({ ...tokens, refresh_token: tokens.refresh_token ?? grant.refresh_token }, grant, now));
  return vault.current();
}

/**
 * Who is signed in, renewing the login on the way: before the expiry, and once more after a 401 (the Hub may end an
 * access token early). `ask` is who-am-I (cached by the caller as it likes).
 */
export async function whoamiFresh(
  vault: GrantVault,
  ask: (login: HfLogin) => Promise<HfIdentity>,
  options: RefreshOptions = {},
): Promise<{ login: HfLogin; me: HfIdentity } | null> {
  const login = await freshLogin(vault, options);
  if (!login) return null;
  try {
    return { login, me: await ask(login) };
  } catch (err) {
    if (!(err instanceof SyncError && err.code === 'TOKEN_INVALID') || !renewable(vault, login)) throw err;
    const renewed = await freshLogin(vault, { ...options, force: true });
    if (!renewed) throw err;
    return { login: renewed, me: await ask(renewed) };
  }
}
