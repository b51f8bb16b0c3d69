// The refresh grant of an OAuth sign-in, kept beside the access token: a 0600 sidecar next to the HF token file.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hfTokenFile } from '../platform/hf-token';

/** What renews an OAuth login: never shown, never sent anywhere but the token endpoint it came from. */
export interface OAuthTokens {
  access_token: string;
  /** Present when the Hub hands one out: kept beside the login to renew it (oauth-grant.ts). */
  refresh_token: string | null;
  /** Seconds the access token lives, when the Hub says. */
  expires_in: number | null;
  /** The scopes the Hub granted, when it says (RFC 6749 §5.1), space-separated. */
  scope?: string | null;
}

export interface OAuthGrant {
  refresh_token: string;
  /** When the access token stops working (ISO), when the Hub said. */
  expires_at: string | null;
  token_endpoint: string;
  client_id: string;
  /**
   * Which access token this grant renews (a hash prefix): once another tool replaces the token file, or HF_TOKEN
   * wins over it, the grant is not the login's and is left alone.
   */
  access: string;
}

/**
 * The sidecar beside huggingface_hub's token file: that file holds only the access token (as `hf auth login` writes
 * it, so every HF tool reads it), this one what renews it.
 */
export function grantFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(dirname(hfTokenFile(env)), 'collab_desk_oauth.json');
}

/** A hash prefix of an access token: enough to tell which token a grant renews, useless to an attacker. */
export function accessFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

/** The grant a token endpoint's answer makes; null when it gave no refresh token (nothing to keep). */
export function grantOf(
  tokens: OAuthTokens,
  where: { token_endpoint: string; client_id: string },
  now = Date.now(),
): OAuthGrant | null {
  if (!tokens.refresh_token) return null;
  return {
    refresh_token: tokens.refresh_token,
    expires_at: tokens.expires_in ? new Date(now + tokens.expires_in * 1000).toISOString() : null,
    token_endpoint: where.token_endpoint,
    client_id: where.client_id,
    access: accessFingerprint(tokens.access_token),
  };
}

/** Whether the grant renews this access token. */
export function grantMatches(grant: OAuthGrant | null, token: string): grant is OAuthGrant {
  return !!grant && grant.access === accessFingerprint(token);
}

export function parseGrant(text: string): OAuthGrant | null {
  try {
    const g = JSON.parse(text) as Partial<OAuthGrant>;
    return typeof g.refresh_token === 'string' &&
      typeof g.token_endpoint === 'string' &&
      typeof g.client_id === 'string' &&
      typeof g.access === 'string'
      ? { ...(g as OAuthGrant), expires_at: typeof g.expires_at === 'string' ? g.expires_at : null }
      : null;
  } catch {
    return null;
  }
}

export function readGrant(file: string): OAuthGrant | null {
  try {
    return parseGrant(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Writes the sidecar readable by this user only from its first byte (a private temporary file renamed over it). */
export function writeGrant(file: string, grant: OAuthGrant | null): void {
  if (!grant) return removeGrant(file);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(grant, null, 2) + '\n', { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

export function removeGrant(file: string): void {
  rmSync(file, { force: true });
}
