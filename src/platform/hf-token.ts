// The Hugging Face token, read when a request needs it: taken out of the environment at start, else huggingface_hub's file.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** The environment variables huggingface_hub reads a token from. */
export const HF_TOKEN_VARS = ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_API_TOKEN'] as const;

/** huggingface_hub's token file (`hf auth login` writes it): $HF_TOKEN_PATH, else $HF_HOME/token, else ~/.cache/huggingface/token. */
export function hfTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_TOKEN_PATH) return env.HF_TOKEN_PATH;
  const home = env.HF_HOME || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'huggingface');
  return join(home, 'token');
}

/**
 * Takes the token out of this process's environment (so no child it starts inherits it) and returns where to read it
 * from when a request needs it: the value the app was started with, else the token file as it is at that moment.
 * The environment this process was *started* with stays readable in /proc/<pid>/environ to its user: the external
 * agents' sandbox hides /proc, and `hf auth login` (the file) avoids it altogether.
 */
export function takeHfToken(env: NodeJS.ProcessEnv = process.env): () => string | undefined {
  const given = HF_TOKEN_VARS.map((k) => env[k]).find((v) => typeof v === 'string' && v.trim() !== '');
  const file = hfTokenFile(env);
  for (const k of HF_TOKEN_VARS) delete env[k];
  return () => {
    if (given) return given;
    try {
      return readFileSync(file, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  };
}

/** The Hugging Face endpoint every HF call uses: $HF_ENDPOINT (a mirror, a test stand-in), else huggingface.co. */
export function hfEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.HF_ENDPOINT?.trim() || 'https://huggingface.co').replace(/\/+$/, '');
}

/** Where a login was found: the environment variable that held it, or the token file. */
export type HfTokenSource =
  | { kind: 'env'; variable: string }
  | { kind: 'file'; path: string }
  /** The desktop app's login: encrypted with the OS keychain's key (Electron safeStorage) in this file. */
  | { kind: 'keychain'; path: string };

/**
 * The login huggingface_hub would use, without touching the environment: HF_TOKEN (and its older names) first, then
 * the token file. For commands that run once and exit; a long-running process uses takeHfToken instead.
 */
export function findHfToken(env: NodeJS.ProcessEnv = process.env): { token: string; source: HfTokenSource } | null {
  for (const variable of HF_TOKEN_VARS) {
    const value = env[variable]?.trim();
    if (value) return { token: value, source: { kind: 'env', variable } };
  }
  const path = hfTokenFile(env);
  const token = readTokenFile(path);
  return token ? { token, source: { kind: 'file', path } } : null;
}

/** The token in a token file, or undefined when the file is missing, unreadable or empty. */
export function readTokenFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes the token file as `hf auth login` does, readable by this user only (0600) from its first byte: the token
 * goes to a private temporary file that is renamed over the old one, so no reader ever sees a half-written or
 * world-readable token.
 */
export function writeHfTokenFile(token: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = hfTokenFile(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, token, { mode: 0o600, flag: 'w' });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  return path;
}
