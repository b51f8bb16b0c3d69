// The desktop app's Hugging Face login: kept encrypted with the OS keychain's key (Electron safeStorage), never in plain text on disk.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { findHfToken } from '../platform/hf-token';
import type { HfLogin } from '../sync/hf-auth';
import { describeSource } from '../sync/hf-auth';
import { parseGrant, type OAuthGrant } from '../sync/oauth-grant';
import type { TokenVault } from '../sync/sync-service';

/** The part of Electron's safeStorage the vault uses (the tests' Electron stand-in provides it too). */
export interface SafeStorage {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/**
 * A sign-in made in the app comes first (stored encrypted with the keychain's key), so "signed in as" is who
 * publishes; without one, an existing login is reused where every HF tool looks (HF_TOKEN, then `hf auth login`'s
 * file). Where the OS offers no keychain (a Linux session without a secret service) a sign-in is saved in the standard
 * token file, 0600, as `hf` does. `env` is the environment the app started with: the hub takes HF_TOKEN out of
 * process.env so that no child inherits it.
 */
export function keychainVault(
  file: string,
  safeStorage: SafeStorage,
  env: NodeJS.ProcessEnv,
  fileVault: TokenVault,
): TokenVault {
  const fromKeychain = (): HfLogin | null => {
    if (!existsSync(file) || !safeStorage.isEncryptionAvailable()) return null;
    try {
      const token = safeStorage.decryptString(readFileSync(file)).trim();
      return token ? { token, source: { kind: 'keychain', path: file } } : null;
    } catch {
      // Encrypted under another user's or machine's key: as good as signed out.
      return null;
    }
  };
  // An OAuth sign-in's refresh grant sits beside the token, encrypted the same way; without a keychain, in the
  // file vault's 0600 sidecar.
  const grantPath = `${file}.grant`;
  const writeEncrypted = (path: string, plain: string) => {
    mkdirSync(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, safeStorage.encryptString(plain), { mode: 0o600 });
    renameSync(temporary, path);
  };
  return {
    current: () => fromKeychain() ?? findHfToken(env),
    grant(): OAuthGrant | null {
      if (!safeStorage.isEncryptionAvailable()) return fileVault.grant?.() ?? null;
      if (!existsSync(grantPath)) return null;
      try {
        return parseGrant(safeStorage.decryptString(readFileSync(grantPath)));
      } catch {
        return null;
      }
    },
    saveGrant(grant) {
      if (!safeStorage.isEncryptionAvailable()) return fileVault.saveGrant?.(grant);
      if (grant) writeEncrypted(grantPath, JSON.stringify(grant));
      else rmSync(grantPath, { force: true });
    },
    save(token) {
      if (!safeStorage.isEncryptionAvailable()) return fileVault.save(token);
      writeEncrypted(file, token);
      return describeSource({ kind: 'keychain', path: file });
    },
    clear() {
      const hadOwn = existsSync(file);
      rmSync(file, { force: true });
      rmSync(grantPath, { force: true });
      const fromFile = fileVault.clear();
      return {
        removed: hadOwn ? describeSource({ kind: 'keychain', path: file }) : fromFile.removed,
        left: fromFile.left,
      };
    },
  };
}
