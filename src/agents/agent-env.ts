// What a spawned agent may see: a minimal environment, and a redactor for the secrets it must never echo.
import { HF_TOKEN_VARS } from '../platform/hf-token';

/** Variables a program needs to run at all (and to find its libraries and the GPU); nothing else is passed on. */
const PASS_THROUGH = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'TERM',
  'TMPDIR',
  'TZ',
  'USER',
  'SHELL',
  'CUDA_VISIBLE_DEVICES',
  'LD_LIBRARY_PATH',
];
/** Windows cannot start a process (or seed its crypto) without these. */
const PASS_THROUGH_WIN32 = ['SYSTEMROOT', 'WINDIR', 'TEMP', 'TMP', 'USERPROFILE', 'LOCALAPPDATA', 'APPDATA'];

/**
 * Builds a child's environment from an allowlist plus what it is given. The hub's own environment can hold the
 * Hugging Face token and paths to the organizer token; starting from an empty object means a new secret added to
 * the hub's environment later can never leak by default.
 */
export function agentEnvironment(
  given: Record<string, string>,
  from: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const keep = process.platform === 'win32' ? [...PASS_THROUGH, ...PASS_THROUGH_WIN32] : PASS_THROUGH;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(from)) {
    if (value !== undefined && (keep.includes(name.toUpperCase()) || name.startsWith('NODE_LLAMA_CPP_')))
      env[name] = value;
  }
  return { ...env, ...given };
}

/** For a child run with process.execPath: inside Electron that is the app itself, and this makes it plain Node. */
export function asNodeChild(env: Record<string, string>): Record<string, string> {
  return process.versions.electron ? { ...env, ELECTRON_RUN_AS_NODE: '1' } : env;
}

/** Hugging Face tokens as the hub's environment may carry them (huggingface_hub's names). */
export function hubSecretsFromEnv(from: NodeJS.ProcessEnv = process.env): string[] {
  return HF_TOKEN_VARS.map((k) => from[k]).filter((v): v is string => typeof v === 'string' && v.length >= 8);
}

/** Replaces every known secret in text: agents' output and traces are shown to people and exported. */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | null | undefined): void {
    // Short strings would redact ordinary words; every real token here is far longer.
    if (secret && secret.length >= 8) this.secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  }
}
