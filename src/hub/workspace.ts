// The file side of the record: each agent's scratch folder and the central folder only the hub writes.
import { createHash, randomBytes } from 'node:crypto';
import { constants, createWriteStream, existsSync, mkdirSync, realpathSync, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HubError } from './hub-error';

export interface WorkspaceEntry {
  path: string;
  type: 'file' | 'dir';
  bytes: number;
  modified: string;
}

export interface CopiedFile {
  src_path: string;
  dest_path: string;
  bytes: number;
}

const PATH_HINT = 'use a relative path of plain names joined by "/", e.g. notes/plan.md (no "..", no leading dot, no control characters)';

/** Checks a client-supplied relative path and returns its segments; never touches the disk. */
export function pathSegments(path: string, what = 'path'): string[] {
  if (typeof path !== 'string' || path.length === 0) throw new HubError('INVALID_PATH', `${what} is empty`, PATH_HINT);
  if (path.length > 1024) throw new HubError('INVALID_PATH', `${what} is longer than 1024 characters`, PATH_HINT);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) throw new HubError('INVALID_PATH', `${what} contains a control character`, PATH_HINT);
  if (path.includes('\\')) throw new HubError('INVALID_PATH', `${what} contains a backslash`, PATH_HINT);
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) throw new HubError('INVALID_PATH', `${what} "${path}" is absolute`, PATH_HINT);
  const segments = path.split('/');
  for (const s of segments) {
    if (s === '') throw new HubError('INVALID_PATH', `${what} "${path}" has an empty segment`, PATH_HINT);
    if (s === '.' || s === '..') throw new HubError('INVALID_PATH', `${what} "${path}" contains "${s}"`, PATH_HINT);
    if (s.startsWith('.')) throw new HubError('INVALID_PATH', `${what} "${path}" names a dot file ("${s}")`, PATH_HINT);
    if (s.length > 255) throw new HubError('INVALID_PATH', `${what} "${path}" has a segment longer than 255 characters`, PATH_HINT);
  }
  return segments;
}

/**
 * Streams a request body into a new file, fsynced before close. Over `limit` bytes it stops reading and
 * fails without destroying the request: destroying it would drop the connection before the 413 is sent.
 * Whatever happens, a failed upload leaves no file behind.
 */
function receiveFile(body: Readable, file: string, limit: number, tooLarge: () => HubError): Promise<{ bytes: number; sha256: string }> {
  const out = createWriteStream(file, { flags: 'wx', mode: 0o644, flush: true });
  const hash = createHash('sha256');
  let bytes = 0;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      body.pause();
      const cleanUp = () => void rm(file, { force: true }).then(() => reject(err), () => reject(err));
      if (out.closed) cleanUp();
      else {
        out.once('close', cleanUp);
        out.destroy();
      }
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > limit) return fail(tooLarge());
      hash.update(chunk);
      if (!out.write(chunk)) {
        body.pause();
        out.once('drain', () => settled || body.resume());
      }
    };
    body.on('data', onData);
    body.once('end', () => settled || out.end());
    body.once('aborted', () => fail(new HubError('INVALID_BODY', 'the upload was cut off before it ended', 'send it again')));
    body.once('error', fail);
    out.once('error', fail);
    out.once('close', () => {
      if (settled) return;
      settled = true;
      resolve({ bytes, sha256: hash.digest('hex') });
    });
  });
}

/** Opens for reading without following a final symbolic link, closing the gap between a check and the open. */
function openNoFollow(abs: string): Promise<FileHandle> {
  return open(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR';
}

/**
 * Walks a path from its root one component at a time and refuses any symbolic link: an external agent
 * works in its scratch folder with a shell and could plant a link to a file outside it.
 */
async function statInside(root: string, segments: string[], what: string): Promise<Stats | null> {
  let current = root;
  let st: Stats | null = null;
  for (const s of segments) {
    current = join(current, s);
    try {
      st = await lstat(current);
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    if (st.isSymbolicLink()) {
      throw new HubError('INVALID_PATH', `${what} goes through a symbolic link ("${s}")`, 'the hub never follows links; copy the file into the folder instead');
    }
  }
  return st;
}

function entryOf(path: string, st: Stats): WorkspaceEntry {
  return { path, type: st.isDirectory() ? 'dir' : 'file', bytes: st.isDirectory() ? 0 : st.size, modified: st.mtime.toISOString() };
}

export class Workspace {
  readonly scratchRoot: string;
  readonly centralRoot: string;
  private readonly usage = new Map<string, { bytes: number; at: number }>();

  constructor(scratchRoot: string, centralRoot: string) {
    mkdirSync(scratchRoot, { recursive: true });
    mkdirSync(centralRoot, { recursive: true });
    this.scratchRoot = realpathSync(scratchRoot);
    this.centralRoot = realpathSync(centralRoot);
  }

  scratchFolder(agentId: string): string {
    return join(this.scratchRoot, agentId);
  }

  ensureScratchFolder(agentId: string): string {
    const dir = this.scratchFolder(agentId);
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Streams an upload into the agent's scratch folder; a partial or oversized upload leaves nothing behind. */
  async writeScratch(agentId: string, path: string, body: Readable, maxBytes: number, quotaBytes: number): Promise<WorkspaceEntry & { sha256: string }> {
    const segments = pathSegments(path);
    const root = this.ensureScratchFolder(agentId);
    const existing = await statInside(root, segments, 'path');
    if (existing?.isDirectory()) throw new HubError('INVALID_PATH', `"${path}" is a folder`, 'name a file inside it');
    const parentSegments = segments.slice(0, -1);
    const parentStat = await statInside(root, parentSegments, 'path');
    if (parentStat && !parentStat.isDirectory()) throw new HubError('INVALID_PATH', `"${parentSegments.join('/')}" is a file, not a folder`, PATH_HINT);
    const used = await this.scratchUsage(agentId);
    const room = Math.min(maxBytes, quotaBytes - used + (existing?.size ?? 0));
    const target = join(root, ...segments);
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.upload-${randomBytes(6).toString('hex')}`);
    const tooLarge = () =>
      room < maxBytes
        ? new HubError('SCRATCH_QUOTA_EXCEEDED', `this upload would take your scratch folder past its ${quotaBytes}-byte quota`, 'delete files you no longer need (DELETE /v1/scratch/{agent_id}/{path})', { Connection: 'close' })
        : new HubError('PAYLOAD_TOO_LARGE', `the file is larger than the ${maxBytes}-byte limit for one scratch file`, 'split it, or ask the organizer to raise limits.scratch_file_bytes', { Connection: 'close' });
    const { bytes, sha256 } = await receiveFile(body, temp, room, tooLarge);
    try {
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    this.adjustUsage(agentId, bytes - (existing?.size ?? 0));
    const st = await lstat(target);
    return { ...entryOf(segments.join('/'), st), sha256 };
  }

  async deleteScratch(agentId: string, path: string): Promise<void> {
    const segments = pathSegments(path);
    const root = this.scratchFolder(agentId);
    const st = await statInside(root, segments, 'path');
    if (!st) throw new HubError('NOT_FOUND', `no file "${path}" in scratch/${agentId}`, `GET /v1/scratch/${agentId}/ lists the folder`);
    await rm(join(root, ...segments), { recursive: true, force: true });
    this.usage.delete(agentId);
  }

  /** Reads a text file from the agent's own scratch folder (for `{source}` posts); 404 SOURCE_NOT_FOUND if absent. */
  async readSource(agentId: string, source: string, maxBytes: number): Promise<Buffer> {
    const segments = pathSegments(source, 'source');
    const root = this.scratchFolder(agentId);
    const st = await statInside(root, segments, 'source');
    if (!st || !st.isFile()) {
      throw new HubError('SOURCE_NOT_FOUND', `no file "${source}" in your scratch folder (scratch/${agentId})`, `upload it first: PUT /v1/scratch/${agentId}/${source}`);
    }
    if (st.size > maxBytes) throw new HubError('PAYLOAD_TOO_LARGE', `"${source}" is ${st.size} bytes; the limit is ${maxBytes}`, 'shorten it, or publish the detail as an artifact and link it');
    const fh = await openNoFollow(join(root, ...segments));
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  /** Resolves a file or folder under a root for reading; null when absent. */
  async locate(root: string, path: string): Promise<{ abs: string; stat: Stats } | null> {
    const segments = path === '' ? [] : pathSegments(path);
    if (segments.length === 0) return existsSync(root) ? { abs: root, stat: await lstat(root) } : null;
    const st = await statInside(root, segments, 'path');
    return st ? { abs: join(root, ...segments), stat: st } : null;
  }

  /** Lists a folder (optionally recursively), skipping dot files and links, sorted by path. */
  async list(root: string, path: string, recursive: boolean, limit = 10_000): Promise<WorkspaceEntry[]> {
    const found = await this.locate(root, path);
    if (!found) return [];
    if (!found.stat.isDirectory()) return [entryOf(path, found.stat)];
    const out: WorkspaceEntry[] = [];
    const walk = async (abs: string, rel: string): Promise<void> => {
      const names = (await readdir(abs)).filter((n) => !n.startsWith('.')).sort();
      for (const name of names) {
        if (out.length >= limit) return;
        const childAbs = join(abs, name);
        const childRel = rel ? `${rel}/${name}` : name;
        let st: Stats;
        try {
          st = await lstat(childAbs);
        } catch {
          continue;
        }
        if (st.isSymbolicLink() || !(st.isFile() || st.isDirectory())) continue;
        out.push(entryOf(childRel, st));
        if (recursive && st.isDirectory()) await walk(childAbs, childRel);
      }
    };
    await walk(found.abs, path);
    return out;
  }

  async openRead(abs: string): Promise<Readable> {
    const fh = await openNoFollow(abs);
    return fh.createReadStream();
  }

  /** Bytes in an agent's scratch folder; walked at most every 30 s since external agents write there directly. */
  async scratchUsage(agentId: string): Promise<number> {
    const cached = this.usage.get(agentId);
    if (cached && Date.now() - cached.at < 30_000) return cached.bytes;
    const files = await this.collect(this.scratchFolder(agentId), '', Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
    const bytes = files.reduce((n, f) => n + f.bytes, 0);
    this.usage.set(agentId, { bytes, at: Date.now() });
    return bytes;
  }

  private adjustUsage(agentId: string, delta: number): void {
    const cached = this.usage.get(agentId);
    if (cached) cached.bytes += delta;
  }

  /** Every regular file under `root/path` (itself if a file), refusing links, within count and byte limits. */
  private async collect(root: string, path: string, maxFiles: number, maxBytes: number): Promise<Array<{ rel: string; abs: string; bytes: number }>> {
    const files: Array<{ rel: string; abs: string; bytes: number }> = [];
    let total = 0;
    const visit = async (abs: string, rel: string, st: Stats): Promise<void> => {
      if (st.isSymbolicLink()) return;
      if (st.isFile()) {
        files.push({ rel, abs, bytes: st.size });
        total += st.size;
        if (files.length > maxFiles) throw new HubError('SYNC_TOO_LARGE', `more than ${maxFiles} files to copy`, 'sync a smaller folder, or pack the files into one archive');
        if (total > maxBytes) throw new HubError('SYNC_TOO_LARGE', `more than ${maxBytes} bytes to copy`, 'sync a smaller folder; keep large files in your scratch folder and link them');
        return;
      }
      if (!st.isDirectory()) return;
      for (const name of (await readdir(abs)).sort()) {
        if (name.startsWith('.')) continue;
        const childAbs = join(abs, name);
        await visit(childAbs, rel ? `${rel}/${name}` : name, await lstat(childAbs));
      }
    };
    const found = await this.locate(root, path);
    if (found) await visit(found.abs, path, found.stat);
    return files;
  }

  /**
   * Copies a file or folder from an agent's scratch folder into central. `into` a folder: a folder's files keep
   * their paths relative to it, a single file keeps its whole source path (as the public collab does); `as` a
   * file: the single source file lands exactly at destRel. Each file is written to a temp name, synced and
   * renamed, so a reader never sees half a file.
   */
  async copyToCentral(agentId: string, source: string, destRel: string, mode: 'into' | 'as', limits: { files: number; bytes: number }): Promise<CopiedFile[]> {
    const srcRoot = this.scratchFolder(agentId);
    const sourcePath = source.replace(/\/+$/, '');
    pathSegments(sourcePath, 'source');
    const destSegments = pathSegments(destRel, 'dest');
    const files = await this.collect(srcRoot, sourcePath, limits.files, limits.bytes);
    if (files.length === 0) {
      throw new HubError('SOURCE_NOT_FOUND', `no file or non-empty folder "${source}" in your scratch folder (scratch/${agentId})`, `upload it first: PUT /v1/scratch/${agentId}/${sourcePath}`);
    }
    const sourceIsFile = files.length === 1 && files[0]!.rel === sourcePath;
    if (mode === 'as' && !sourceIsFile) throw new HubError('INVALID_PATH', `"${source}" is a folder; name a single file`, 'use /v1/artifacts:sync for folders');
    await statInside(this.centralRoot, destSegments, 'dest');
    const copied: CopiedFile[] = [];
    for (const f of files) {
      const rel = mode === 'as' ? destRel : `${destRel}/${sourceIsFile ? f.rel : f.rel.slice(sourcePath.length + 1)}`;
      const relSegments = rel.split('/');
      await statInside(this.centralRoot, relSegments.slice(0, -1), 'dest');
      const target = join(this.centralRoot, ...relSegments);
      await mkdir(dirname(target), { recursive: true });
      const temp = join(dirname(target), `.copy-${randomBytes(6).toString('hex')}`);
      const src = await openNoFollow(f.abs);
      try {
        await pipeline(src.createReadStream(), createWriteStream(temp, { flags: 'wx', mode: 0o644, flush: true }));
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
      await rename(temp, target);
      copied.push({ src_path: f.rel, dest_path: rel, bytes: f.bytes });
    }
    return copied;
  }
}
