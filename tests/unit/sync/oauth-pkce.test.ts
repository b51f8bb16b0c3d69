// PKCE's helpers (RFC 7636) and the refresh grant's bookkeeping: the challenge, the verifier, the sidecar, when a login is renewed.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HfLogin } from '../../../src/sync/hf-auth';
import { grantMatches, grantOf, readGrant, writeGrant, type OAuthGrant } from '../../../src/sync/oauth-grant';
import {
  codeChallenge,
  codeVerifier,
  missingScopes,
  oauthErrorWords,
  parseTokens,
  randomState,
} from '../../../src/sync/oauth-pkce';
import { freshLogin, type GrantVault } from '../../../src/sync/oauth-refresh';
import { SyncError } from '../../../src/sync/sync-error';

const dir = mkdtempSync(join(tmpdir(), 'collab-desk-pkce-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PKCE (RFC 7636, S256)', () => {
  it('the challenge is base64url(sha256(ascii(verifier))), no padding', () => {
    const verifier = 'a'.repeat(43);
    const digest = createHash('sha256').update(Buffer.from(verifier, 'ascii')).digest();
    expect(Buffer.from(codeChallenge(verifier), 'base64url')).toEqual(digest);
    expect(codeChallenge(verifier)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a verifier is 43 unreserved characters, fresh each time, and its challenge has no padding', () => {
    const a = codeVerifier();
    const b = codeVerifier();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    const expected = createHash('sha256').update(a).digest('base64').replace(/\+/g, '-').replace(/\//g, '_');
    expect(codeChallenge(a)).toBe(expected.replace(/=+$/, ''));
    expect(codeChallenge(a)).not.toContain('=');
  });

  it('states are unguessable and distinct', () => {
    const states = new Set(Array.from({ length: 50 }, randomState));
    expect(states.size).toBe(50);
    for (const s of states) expect(s.length).toBeGreaterThanOrEqual(22);
  });

  it('token answers and OAuth errors come out in words', () => {
    expect(parseTokens({ access_token: 'hf_oauth_a', refresh_token: 'r', expires_in: 60 })).toEqual({
      access_token: 'hf_oauth_a',
      refresh_token: 'r',
      expires_in: 60,
      scope: null,
    });
    expect(parseTokens({ access_token: 'hf_oauth_a', scope: 'openid write-repos' })?.scope).toBe('openid write-repos');
    expect(missingScopes('openid profile')).toEqual(['write-repos']);
    expect(missingScopes('openid profile write-repos')).toEqual([]);
    // A Hub that does not say what it granted is not refused on a guess.
    expect(missingScopes(null)).toEqual([]);
    expect(parseTokens({ error: 'invalid_grant' })).toBeNull();
    expect(oauthErrorWords('access_denied')).toBe('the sign-in was declined in the browser');
    expect(oauthErrorWords('invalid_grant')).toMatch(/did not accept/);
  });
});

describe('the refresh grant', () => {
  const where = { token_endpoint: 'http://127.0.0.1:1/oauth/token', client_id: 'client' };

  it('is kept in a 0600 sidecar and belongs to one access token', () => {
    const grant = grantOf({ access_token: 'hf_oauth_1', refresh_token: 'r1', expires_in: 3600 }, where, 0)!;
    expect(grant.expires_at).toBe(new Date(3_600_000).toISOString());
    const file = join(dir, 'hf', 'collab_desk_oauth.json');
    writeGrant(file, grant);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readGrant(file)).toEqual(grant);
    expect(grantMatches(grant, 'hf_oauth_1')).toBe(true);
    expect(grantMatches(grant, 'hf_other')).toBe(false);
    expect(grantOf({ access_token: 'hf_x', refresh_token: null, expires_in: 10 }, where)).toBeNull();
  });

  /** A vault in memory and a token endpoint that rotates (or refuses), counting its calls. */
  function setup(refuse = false) {
    let login: HfLogin | null = { token: 'hf_oauth_1', source: { kind: 'file', path: '/t' } };
    let grant: OAuthGrant | null = grantOf(
      { access_token: 'hf_oauth_1', refresh_token: 'r1', expires_in: 3600 },
      where,
    );
    const vault: GrantVault = {
      current: () => login,
      save: (token) => {
        login = { token, source: { kind: 'file', path: '/t' } };
        return '/t';
      },
      grant: () => grant,
      saveGrant: (g) => void (grant = g),
    };
    const calls: URLSearchParams[] = [];
    const fetcher = (async (_url: string, init: RequestInit) => {
      const form = new URLSearchParams(String(init.body));
      calls.push(form);
      if (refuse) return Response.json({ error: 'invalid_grant' }, { status: 400 });
      const n = calls.length + 1;
      return Response.json({ access_token: `hf_oauth_${n}`, refresh_token: `r${n}`, expires_in: 3600 });
    }) as typeof fetch;
    return { vault, calls, fetcher, grant: () => grant };
  }

  it('renews only when the access token is due (or forced), and saves the rotated pair', async () => {
    const s = setup();
    expect((await freshLogin(s.vault, { fetch: s.fetcher }))?.token).toBe('hf_oauth_1');
    expect(s.calls).toHaveLength(0);
    const later = Date.now() + 3_550_000; // within the minute's margin
    expect((await freshLogin(s.vault, { fetch: s.fetcher, now: () => later }))?.token).toBe('hf_oauth_2');
    expect(s.calls[0]!.get('grant_type')).toBe('refresh_token');
    expect(s.calls[0]!.get('refresh_token')).toBe('r1');
    expect(s.grant()?.refresh_token).toBe('r2');
    expect(grantMatches(s.grant(), 'hf_oauth_2')).toBe(true);
    expect((await freshLogin(s.vault, { fetch: s.fetcher, force: true }))?.token).toBe('hf_oauth_3');
  });

  it('a refused refresh says to sign in again', async () => {
    const s = setup(true);
    const err = await freshLogin(s.vault, { fetch: s.fetcher, force: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).code).toBe('SIGN_IN_EXPIRED');
    expect((err as SyncError).display).toMatch(/sign in again/);
  });
});
