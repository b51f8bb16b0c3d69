// The desktop app's Hugging Face login: kept encrypted with the OS keychain's key (Electron safeStorage), never in plain text on disk.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { findHfToken } from '../platform/hf-token';
import type { HfLogin } from '../sync/hf-auth';
import { describeSource } from '../sync/hf-auth';
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
  return {
    current: () => fromKeychain() ?? findHfToken(env),
    save(token) {
      if (!safeStorage.isEncryptionAvailable()) return fileVault.save(token);
      mkdirSync(dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, safeStorage.encryptString(token), { mode: 0o600 });
      renameSync(temporary, file);
      return describeSource({ kind: 'keychain', path: file });
    },
    clear() {
      const hadOwn = existsSync(file);
      rmSync(file, { force: true });
      const fromFile = fileVault.clear();
      return {
        removed: hadOwn ? describeSource({ kind: 'keychain', path: file }) : fromFile.removed,
        left: fromFile.left,
      };
    },
  };
}
