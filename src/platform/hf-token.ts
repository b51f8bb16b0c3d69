// The Hugging Face token, read when a request needs it: taken out of the environment at start, else huggingface_hub's file.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

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
