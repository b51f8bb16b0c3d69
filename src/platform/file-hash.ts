// sha256 of model files, remembered by path, size and modification time: a multi-GB model is hashed once, not per run.
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

type HashCache = Record<string, { size: number; mtimeMs: number; sha256: string }>;

/** The file's sha256, from the cache when the file has not changed since it was last hashed. */
export async function modelFileSha256(path: string, cacheFile: string): Promise<string> {
  const abs = resolve(path);
  const st = statSync(abs);
  let cache: HashCache = {};
  try {
    cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as HashCache;
  } catch {
    // no cache yet, or an unreadable one: start afresh
  }
  const hit = cache[abs];
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.sha256;
  const sha256 = await fileSha256(abs);
  cache[abs] = { size: st.size, mtimeMs: st.mtimeMs, sha256 };
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
    const temp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(cache));
    renameSync(temp, cacheFile);
  } catch {
    // a read-only cache folder only costs the next run a re-hash
  }
  return sha256;
}
