// Safe file-system steps for model files: paths kept inside their folder, bounded walks, and removals whose failures
// are refusals a person can act on rather than raw errors.
import { readdir, realpath, rmdir, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { ModelLibraryError } from '../shared/models';

/** GGUF is the only model format llama.cpp loads; other files in a repo are not models here. */
export const GGUF = /\.gguf$/i;

export function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** Whether `child` is strictly inside `parent` (both absolute, already resolved where links matter). */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

export async function realOrNull(path: string): Promise<string | null> {
  return realpath(path).catch(() => null);
}

/** Every file under `dir` (depth-limited, links not followed into folders), as paths relative to `dir`. */
export async function walk(dir: string, depth = 6, prefix = ''): Promise<string[]> {
  const entries = await readdir(join(dir, prefix), { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (depth > 0) out.push(...(await walk(dir, depth - 1, rel)));
    } else if (e.isFile() || e.isSymbolicLink()) {
      out.push(rel);
    }
  }
  return out;
}

/** A listed model whose file went away before the delete reached it: the listing is stale, not the request. */
export function gone(name: string): ModelLibraryError {
  return new ModelLibraryError(
    'MODEL_NOT_FOUND',
    `${name} is no longer on disk: it was removed since it was listed`,
    'GET /v1/models lists what is installed now',
  );
}

/**
 * Removes one file of a model; a file another program holds open (Windows answers EPERM or EBUSY, where Unix would
 * let it go) or one this user may not remove is a refusal that says so, not a raw 500.
 */
export async function removeFile(path: string, name: string): Promise<void> {
  try {
    // unlink, not rm: rm answers a refused unlink by trying it as a folder, and reports ENOTDIR instead of why.
    await unlink(path);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT') return;
    if (code === 'EBUSY' || (code === 'EPERM' && process.platform === 'win32')) {
      throw new ModelLibraryError(
        'MODEL_IN_USE',
        `${name} is open in another program, so it cannot be deleted now (${code})`,
        "stop what has it open (the agents' inference host, a benchmark job, another llama.cpp), then delete again",
      );
    }
    if (code === 'EPERM' || code === 'EACCES' || code === 'EROFS') {
      throw new ModelLibraryError(
        'MODEL_NOT_DELETABLE',
        `${name} cannot be deleted: ${code === 'EROFS' ? 'its disk is read-only' : `this user may not remove ${path}`} (${code})`,
        'delete it yourself if you are sure',
      );
    }
    throw err;
  }
}

/** Removes empty folders from `dir` up to (not including) `stop`. */
export async function pruneEmpty(dir: string, stop: string): Promise<void> {
  let current = dir;
  while (isInside(current, stop)) {
    const entries = await readdir(current).catch(() => null);
    if (entries === null || entries.length > 0) return;
    await rmdir(current).catch(() => undefined);
    current = dirname(current);
  }
}
