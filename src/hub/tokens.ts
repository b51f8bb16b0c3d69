// Bearer tokens: minted once, shown once, stored only as a hash; the organizer's lives in a 0600 file.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';

/** Tokens carry 256 random bits, so a fast hash is enough to store them (nothing to brute-force). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether a bearer has the shape of a token this hub mints (an agent's `cda_...`, the organizer's `cdo_...`). */
export function isHubTokenShape(token: string): boolean {
  return /^cd[ao]_/.test(token);
}

export function mintAgentToken(): string {
  return 'cda_' + randomBytes(32).toString('base64url');
}

function mintOrganizerToken(): string {
  return 'cdo_' + randomBytes(32).toString('base64url');
}

/** Reads the organizer token, creating it at first start; repairs the file mode if someone loosened it. */
export function ensureOrganizerToken(file: string): string {
  if (!existsSync(file)) {
    writeFileSync(file, mintOrganizerToken() + '\n', { mode: 0o600, flag: 'wx' });
  }
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const token = readFileSync(file, 'utf8').trim();
  if (!/^cdo_[A-Za-z0-9_-]{43}$/.test(token)) {
    throw new Error(`${file} does not hold an organizer token; delete it and restart the hub to create a new one`);
  }
  return token;
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(hashToken(a), 'hex');
  const y = Buffer.from(hashToken(b), 'hex');
  return timingSafeEqual(x, y);
}
