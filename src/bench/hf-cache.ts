// The Hugging Face cache as huggingface_hub lays it out (models--owner--name/{blobs,snapshots,refs}): where a file's
// blob, snapshot link and refs live, the GGUF files it holds, and removing one file without touching the others.
import { getHFHubCachePath, getRepoFolderName } from '@huggingface/hub';
import { existsSync } from 'node:fs';
import {
  copyFile,
  lstat,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { ModelLibraryError } from '../shared/models';
import { fileSha256 } from '../platform/file-hash';
import { GGUF, gone, isInside, pruneEmpty, realOrNull, removeFile, walk } from './model-files';

const SHA256 = /^[0-9a-f]{64}$/;
/** An etag or commit becomes a file or folder name in the cache: a server must not be able to steer it elsewhere. */
export const CACHE_NAME = /^[\w.-]+$/;

/** The cache huggingface_hub uses ($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub), shared with it. */
export function defaultCacheDir(): string {
  return getHFHubCachePath();
}

/** One model repo's folder in the cache (models--owner--name). */
export function repoFolder(cacheDir: string, repo: string): string {
  return join(cacheDir, getRepoFolderName({ name: repo, type: 'model' }));
}

/** models--owner--name -> owner/name (the Hub forbids "--" in names, so the split is exact). */
export function repoOfFolder(folder: string): string | null {
  if (!folder.startsWith('models--')) return null;
  const parts = folder.slice('models--'.length).split('--');
  return parts.length >= 1 && parts.length <= 2 && parts.every(Boolean) ? parts.join('/') : null;
}

/** The path a loader opens: snapshots/{commit}/{file}, a link to the blob. */
export function snapshotPath(repoDir: string, commit: string, file: string): string {
  return join(repoDir, 'snapshots', commit, ...file.split('/'));
}

/** The bytes, named by their etag (the sha256 of an LFS file); a transfer writes `{blob}.incomplete` first. */
export function blobPath(repoDir: string, etag: string): string {
  return join(repoDir, 'blobs', etag);
}

/** One pull per blob holds this lock, in the cache's .locks folder as huggingface_hub keeps its own. */
export function pullLockPath(repoDir: string, etag: string): string {
  return join(repoDir, '..', '.locks', basename(repoDir), `${etag}.pull.lock`);
}

export async function readRef(repoDir: string, revision: string): Promise<string | null> {
  const commit = (await readFile(join(repoDir, 'refs', ...revision.split('/')), 'utf8').catch(() => '')).trim();
  return CACHE_NAME.test(commit) ? commit : null;
}

/** refs/{revision} holds the commit a branch or tag resolved to, as huggingface_hub writes it (atomically, no newline). */
export async function writeRef(repoDir: string, revision: string, commit: string): Promise<void> {
  if (revision === commit || (await readRef(repoDir, revision)) === commit) return;
  const path = join(repoDir, 'refs', ...revision.split('/'));
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, commit);
  await rename(temp, path);
}

/** snapshots/{commit}/{file} -> ../../blobs/{etag}: relative, so the cache folder can move (huggingface_hub's _create_symlink). */
export async function linkSnapshot(blob: string, pointer: string): Promise<void> {
  await mkdir(dirname(pointer), { recursive: true });
  await rm(pointer, { force: true });
  try {
    await symlink(relative(dirname(pointer), blob), pointer);
  } catch {
    // File systems without symlinks (Windows without developer mode, some network drives) get a copy, as
    // huggingface_hub falls back to.
    await copyFile(blob, pointer);
  }
}

export interface CachedSnapshot {
  path: string;
  sha256: string;
  bytes: number;
  commit: string;
}

/**
 * The snapshot file of `commit`, if it is there (following its link). Its sha256 is the name of the blob it links
 * to (or the Hub's, when known): blobs are named by their sha256 and only ever renamed into place once verified, so
 * the name is trusted rather than rehashing gigabytes on every pull. A copy instead of a link is hashed.
 */
export async function cachedSnapshot(
  repoDir: string,
  commit: string,
  file: string,
  lfsSha256: string | null = null,
): Promise<CachedSnapshot | null> {
  const path = snapshotPath(repoDir, commit, file);
  const st = await stat(path).catch(() => null);
  if (!st?.isFile()) return null;
  const target = basename(await realpath(path));
  const sha256 = SHA256.test(target) ? target : (lfsSha256 ?? (await fileSha256(path)));
  return { path, sha256, bytes: st.size, commit };
}

/** One snapshot of a GGUF file in the cache. */
export interface CachedFile {
  repo: string;
  file: string;
  commit: string;
  /** The snapshot path (what a loader opens). */
  path: string;
  /** Where the bytes are (the blob). */
  real: string;
  bytes: number;
  mtimeMs: number;
  /** Whether the bytes are inside the repo's folder (a link out of the cache is not). */
  owned: boolean;
}

/** A cached Hub file, every snapshot of it: what a delete removes. */
export interface CachedModel {
  repoDir: string;
  file: string;
  snapshots: CachedFile[];
}

/** GGUF files of the cache, one entry per repo and file; `preferred` is refs/main's snapshot, else the newest. */
export async function scanCache(
  cacheDir: string,
): Promise<{ files: Map<string, CachedModel & { preferred: CachedFile }>; partialBytes: number }> {
  const files = new Map<string, CachedModel & { preferred: CachedFile }>();
  let partialBytes = 0;
  const cacheReal = await realOrNull(cacheDir);
  if (!cacheReal) return { files, partialBytes };
  for (const folder of await readdir(cacheReal).catch(() => [] as string[])) {
    const repo = repoOfFolder(folder);
    if (!repo) continue;
    const repoDir = join(cacheReal, folder);
    for (const blob of await readdir(join(repoDir, 'blobs')).catch(() => [] as string[])) {
      if (blob.endsWith('.incomplete'))
        partialBytes += (await stat(join(repoDir, 'blobs', blob)).catch(() => null))?.size ?? 0;
    }
    const main = (await readFile(join(repoDir, 'refs', 'main'), 'utf8').catch(() => '')).trim();
    for (const commit of await readdir(join(repoDir, 'snapshots')).catch(() => [] as string[])) {
      const snapshotDir = join(repoDir, 'snapshots', commit);
      for (const rel of await walk(snapshotDir)) {
        if (!GGUF.test(rel)) continue;
        const path = join(snapshotDir, ...rel.split('/'));
        const real = await realOrNull(path);
        const st = real ? await stat(real).catch(() => null) : null;
        if (!real || !st?.isFile()) continue;
        const found: CachedFile = {
          repo,
          file: rel,
          commit,
          path,
          real,
          bytes: st.size,
          mtimeMs: st.mtimeMs,
          owned: isInside(real, repoDir),
        };
        const key = `${repo}\0${rel}`;
        const entry = files.get(key);
        if (!entry) {
          files.set(key, { repoDir, file: rel, snapshots: [found], preferred: found });
          continue;
        }
        entry.snapshots.push(found);
        const better = commit === main || (entry.preferred.commit !== main && found.mtimeMs > entry.preferred.mtimeMs);
        if (better) entry.preferred = found;
      }
    }
  }
  return { files, partialBytes };
}

/**
 * Removes the file's blobs no other snapshot file links to, then its snapshot links in every commit; then (unless
 * `prune` is off because another file of the repo is downloading) the snapshot folders and refs left empty, and the
 * repo's folder once nothing is left in it. The blobs go first: a blob another program holds open refuses before
 * anything is gone. Every path removed is checked to lie inside the repo's folder in the cache first: nothing outside
 * it is touched. Returns the bytes freed.
 */
export async function removeCachedModel(
  cacheDir: string,
  entry: CachedModel,
  name: string,
  o: { prune: boolean },
): Promise<number> {
  const cacheReal = await realpath(cacheDir);
  const repoDir = entry.repoDir;
  if (!isInside(repoDir, cacheReal))
    throw new ModelLibraryError('MODEL_NOT_DELETABLE', `${repoDir} is not inside the Hugging Face cache`);
  const snapshotsDir = join(repoDir, 'snapshots');
  const links = entry.snapshots.map((s) => s.path);
  const blobs = [...new Set(entry.snapshots.map((s) => s.real))];
  for (const p of [...links, ...blobs]) {
    if (!isInside(p, repoDir))
      throw new ModelLibraryError('MODEL_NOT_DELETABLE', `${p} is not inside ${repoDir}; nothing was deleted`);
  }
  if (!(await Promise.all(links.map((l) => lstat(l).catch(() => null)))).some(Boolean)) throw gone(name);
  // A blob another file of the repo still links to (the same bytes under another name) stays.
  const stillUsed = new Set<string>();
  for (const commit of await readdir(snapshotsDir).catch(() => [] as string[])) {
    for (const rel of await walk(join(snapshotsDir, commit))) {
      const path = join(snapshotsDir, commit, ...rel.split('/'));
      if (links.includes(path)) continue;
      const real = await realOrNull(path);
      if (real) stillUsed.add(real);
    }
  }
  let freed = 0;
  for (const blob of blobs) {
    if (stillUsed.has(blob) || links.includes(blob)) continue;
    const st = await stat(blob).catch(() => null);
    if (!st?.isFile()) continue;
    await removeFile(blob, name);
    freed += st.size;
  }
  for (const link of links) {
    const st = await lstat(link).catch(() => null);
    if (!st) continue;
    await removeFile(link, name);
    // A copy (no symlinks on this file system) holds bytes of its own.
    if (st.isFile()) freed += st.size;
    if (o.prune) await pruneEmpty(dirname(link), snapshotsDir);
  }
  if (!o.prune) return freed;
  await dropDanglingRefs(repoDir);
  const left = await readdir(snapshotsDir).catch(() => [] as string[]);
  const blobsLeft = await readdir(join(repoDir, 'blobs')).catch(() => [] as string[]);
  if (left.length === 0 && blobsLeft.length === 0) await rm(repoDir, { recursive: true, force: true });
  return freed;
}

/** A ref naming a snapshot that no longer exists is what huggingface_hub's cache scan calls corrupted: drop it. */
async function dropDanglingRefs(repoDir: string): Promise<void> {
  const refsDir = join(repoDir, 'refs');
  for (const rel of await walk(refsDir)) {
    const path = join(refsDir, ...rel.split('/'));
    const commit = (await readFile(path, 'utf8').catch(() => '')).trim();
    if (commit && !existsSync(join(repoDir, 'snapshots', commit))) await rm(path, { force: true });
  }
  if ((await readdir(refsDir).catch(() => ['x'])).length === 0) await rmdir(refsDir).catch(() => undefined);
}
