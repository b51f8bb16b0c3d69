// The Hugging Face login of this machine: which one is in use, saving one in the standard token file, signing out of only what we saved.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { findHfToken, hfTokenFile, readTokenFile, writeHfTokenFile, type HfTokenSource } from '../platform/hf-token';
import { grantFile, removeGrant } from './oauth-grant';
import { SyncError } from './sync-error';

export interface HfLogin {
  token: string;
  source: HfTokenSource;
}

/** A few hex digits of the token's hash: enough to tell "the token we wrote" from another, useless to an attacker. */
function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

/** The login in use (HF_TOKEN first, then the token file), as every HF tool on this machine sees it. */
export function currentLogin(env: NodeJS.ProcessEnv = process.env): HfLogin | null {
  return findHfToken(env);
}

export function requireLogin(env: NodeJS.ProcessEnv = process.env): HfLogin {
  const login = currentLogin(env);
  if (!login)
    throw new SyncError(
      'NOT_SIGNED_IN',
      'not signed in to Hugging Face',
      'run `collab-desk sync login` (or `hf auth login`, or set HF_TOKEN)',
    );
  return login;
}

/** Where a login came from, in words (never the token). */
export function describeSource(source: HfTokenSource): string {
  if (source.kind === 'env') return `the ${source.variable} environment variable`;
  if (source.kind === 'keychain') return `the OS keychain (encrypted in ${source.path})`;
  return `the token file ${source.path}`;
}

interface LoginMarker {
  /** The token file we wrote. */
  path: string;
  fingerprint: string;
  saved_at: string;
}

/**
 * Saves a validated token where `hf auth login` keeps it (0600), so Python tools share the login, and remembers in
 * the data folder which file and which token (by fingerprint) that was: sign-out must never remove a token the person
 * put there with another tool.
 */
export function saveLogin(token: string, markerFile: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = writeHfTokenFile(token, env);
  const marker: LoginMarker = { path, fingerprint: fingerprint(token), saved_at: new Date().toISOString() };
  mkdirSync(dirname(markerFile), { recursive: true });
  writeFileSync(markerFile, JSON.stringify(marker, null, 2) + '\n', { mode: 0o600 });
  return path;
}

function readMarker(markerFile: string): LoginMarker | null {
  try {
    const m = JSON.parse(readFileSync(markerFile, 'utf8')) as Partial<LoginMarker>;
    return typeof m.path === 'string' && typeof m.fingerprint === 'string' ? (m as LoginMarker) : null;
  } catch {
    return null;
  }
}

export interface SignOutReport {
  /** The token file removed, if any. */
  removed: string | null;
  /** What is still signed in after this, and why we left it. */
  left: { source: HfTokenSource; why: string }[];
}

/**
 * Removes the token file when it holds the token we saved; a token put there by other means (`hf auth login`) stays
 * unless `force` says to remove it. A token in the environment cannot be removed by us: the report says so.
 */
export function signOut(
  markerFile: string,
  options: { force?: boolean } = {},
  env: NodeJS.ProcessEnv = process.env,
): SignOutReport {
  const report: SignOutReport = { removed: null, left: [] };
  const marker = readMarker(markerFile);
  const path = hfTokenFile(env);
  const inFile = readTokenFile(path);
  if (inFile !== undefined) {
    const ours = marker !== null && marker.path === path && marker.fingerprint === fingerprint(inFile);
    if (ours || options.force) {
      rmSync(path, { force: true });
      report.removed = path;
    } else {
      report.left.push({
        source: { kind: 'file', path },
        why: 'another tool saved it (hf auth login?); remove it with `hf auth logout`, or pass --force',
      });
    }
  }
  rmSync(markerFile, { force: true });
  // The refresh grant beside the token file is only ever ours (oauth-grant.ts): it goes with any sign-out.
  removeGrant(grantFile(env));
  const remaining = findHfToken(env);
  if (remaining?.source.kind === 'env')
    report.left.push({ source: remaining.source, why: `unset ${remaining.source.variable} to sign out completely` });
  return report;
}
