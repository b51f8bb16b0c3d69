// The file side of the record: each agent's scratch folder and the central folder only the hub writes.
import { createHash, randomBytes } from 'node:crypto';
import { constants, createWriteStream, lstatSync, mkdirSync, realpathSync, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
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

/** The caps an upload into scratch must fit (limits.scratch_file_bytes, scratch_quota_bytes, scratch_total_bytes). */
export interface ScratchCaps {
  fileBytes: number;
  quotaBytes: number;
  totalBytes: number;
}

const PATH_HINT =
  'use a relative path of plain names joined by "/", e.g. notes/plan.md (no "..", no leading dot, no control characters)';

/** Checks a client-supplied relative path and returns its segments; never touches the disk. */
export function pathSegments(path: string, what = 'path'): string[] {
  if (typeof path !== 'string' || path.length === 0) throw new HubError('INVALID_PATH', `${what} is empty`, PATH_HINT);
  if (path.length > 1024) throw new HubError('INVALID_PATH', `${what} is longer than 1024 characters`, PATH_HINT);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path))
    throw new HubError('INVALID_PATH', `${what} contains a control character`, PATH_HINT);
  if (path.includes('\\')) throw new HubError('INVALID_PATH', `${what} contains a backslash`, PATH_HINT);
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path))
    throw new HubError('INVALID_PATH', `${what} "${path}" is absolute`, PATH_HINT);
  const segments = path.split('/');
  for (const s of segments) {
    if (s === '') throw new HubError('INVALID_PATH', `${what} "${path}" has an empty segment`, PATH_HINT);
    if (s === '.' || s === '..') throw new HubError('INVALID_PATH', `${what} "${path}" contains "${s}"`, PATH_HINT);
    if (s.startsWith('.')) throw new HubError('INVALID_PATH', `${what} "${path}" names a dot file ("${s}")`, PATH_HINT);
    if (s.length > 255)
      throw new HubError('INVALID_PATH', `${what} "${path}" has a segment longer than 255 characters`, PATH_HINT);
  }
  return segments;
}

/**
 * Streams a request body into a new file, fsynced before close. `admit` sees every chunk before it is written
 * and may refuse it; then it stops reading and fails without destroying the request: destroying it would drop
 * the connection before the 413 is sent. Whatever happens, a failed upload leaves no file behind.
 */
function receiveFile(
  body: Readable,
  file: string,
  admit: (chunkBytes: number) => HubError | null,
): Promise<{ bytes: number; sha256: string }> {
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
      const cleanUp = () =>
        void rm(file, { force: true }).then(
          () => reject(err),
          () => reject(err),
        );
      if (out.closed) cleanUp();
      else {
        out.once('close', cleanUp);
        out.destroy();
      }
    };
    const onData = (chunk: Buffer) => {
      const refused = admit(chunk.length);
      if (refused) return fail(refused);
      bytes += chunk.length;
      hash.update(chunk);
      if (!out.write(chunk)) {
        body.pause();
        out.once('drain', () => settled || body.resume());
      }
    };
    body.on('data', onData);
    body.once('end', () => settled || out.end());
    body.once('aborted', () =>
      fail(new HubError('INVALID_BODY', 'the upload was cut off before it ended', 'send it again')),
    );
    body.once('error', fail);
    out.once('error', fail);
    out.once('close', () => {
      if (settled) return;
      settled = true;
      resolve({ bytes, sha256: hash.digest('hex') });
    });
  });
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR';
}

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

function linkedFolder(label: string): HubError {
  return new HubError(
    'INVALID_PATH',
    `the folder ${label} is a symbolic link; the hub never follows links, so it reads, copies and writes nothing through it`,
    `replace the link with a real folder (remove the link: the hub makes ${label} again at the next upload) and copy the files into it`,
  );
}

/**
 * A file that also lives under another name may be anything on this disk under that name (the organizer token, a
 * held-out prompt): a hard link needs no permission on its target's folder, and nothing in the file says where
 * else it is. So the hub serves, copies and publishes only files with one name. Folders always have several.
 */
function refuseHardLink(st: Stats, label: string): void {
  if (st.isFile() && st.nlink > 1) {
    throw new HubError(
      'INVALID_PATH',
      `${label} is a hard link (${st.nlink} names for one file); the hub refuses to serve, copy or publish it, since its other name may be a file that is not yours`,
      'replace the link with a copy of the file (cp, not ln), then try again',
    );
  }
}

/**
 * Opens a file the hub is about to serve, copy or publish: the one gate for all three. No final link is followed,
 * and the file opened must be the one that was checked (same device and inode, still one name), so swapping a
 * folder for a link between the check and the open gains nothing.
 */
async function openChecked(abs: string, checked: Stats, label: string): Promise<FileHandle> {
  refuseHardLink(checked, label);
  // Non-blocking, so a pipe swapped in for the file fails the check below instead of hanging the open.
  const fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.dev !== checked.dev || st.ino !== checked.ino) {
      throw new HubError(
        'INVALID_PATH',
        `${label} was replaced while the hub opened it`,
        'try again once nothing is moving files in that folder',
      );
    }
    refuseHardLink(st, label);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Passes chunks through after `see` has looked at them; a throw from it fails the copy. */
function inspecting(see: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        see(chunk);
        done(null, chunk);
      } catch (err) {
        done(err as Error);
      }
    },
  });
}

function entryOf(path: string, st: Stats): WorkspaceEntry {
  return {
    path,
    type: st.isDirectory() ? 'dir' : 'file',
    bytes: st.isDirectory() ? 0 : st.size,
    modified: st.mtime.toISOString(),
  };
}

export class Workspace {
  readonly scratchRoot: string;
  readonly centralRoot: string;
  private readonly usage = new Map<string, { bytes: number; at: number }>();
  /** Bytes of uploads still arriving, per agent: counted against the caps before they land, so parallel uploads cannot pass them together. */
  private readonly arriving = new Map<string, number>();

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
    const st = lstatSync(dir, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) throw linkedFolder(this.label(dir));
    if (!st) mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** `scratch/alice`, `central/taskforces/x`: a folder as the data folder names it, for messages. */
  private label(abs: string): string {
    const base = this.baseOf(abs);
    return relative(dirname(base), abs).split(sep).join('/');
  }

  private baseOf(root: string): string {
    for (const base of [this.scratchRoot, this.centralRoot]) {
      if (root === base || root.startsWith(base + sep)) return base;
    }
    throw new Error(`${root} is outside the workspace`);
  }

  /**
   * Walks a path one component at a time from the workspace's own folder (scratch or central) and refuses any
   * symbolic link on the way, the roots included: an external agent works in its scratch folder with a shell and
   * could plant a link to a file outside it, or replace the folder itself with one.
   */
  private async statInside(root: string, segments: string[], what: string): Promise<Stats | null> {
    const base = this.baseOf(root);
    let current = base;
    let st = await lstatOrNull(base);
    if (!st) return null;
    if (st.isSymbolicLink()) throw linkedFolder(this.label(base));
    for (const s of root === base ? [] : relative(base, root).split(sep)) {
      current = join(current, s);
      st = await lstatOrNull(current);
      if (!st || !(st.isDirectory() || st.isSymbolicLink())) return null;
      if (st.isSymbolicLink()) throw linkedFolder(this.label(current));
    }
    for (const s of segments) {
      current = join(current, s);
      st = await lstatOrNull(current);
      if (!st) return null;
      if (st.isSymbolicLink()) {
        throw new HubError(
          'INVALID_PATH',
          `${what} goes through a symbolic link ("${s}")`,
          'the hub never follows links; copy the file into the folder instead',
        );
      }
    }
    return st;
  }

  /**
   * Streams an upload into the agent's scratch folder; a partial or oversized upload leaves nothing behind. It must
   * fit the per-file limit, the agent's quota and the hub-wide cap on all scratch folders together.
   */
  async writeScratch(
    agentId: string,
    path: string,
    body: Readable,
    caps: ScratchCaps,
  ): Promise<WorkspaceEntry & { sha256: string }> {
    const segments = pathSegments(path);
    const root = this.ensureScratchFolder(agentId);
    const existing = await this.statInside(root, segments, 'path');
    if (existing?.isDirectory()) throw new HubError('INVALID_PATH', `"${path}" is a folder`, 'name a file inside it');
    const parentSegments = segments.slice(0, -1);
    const parentStat = await this.statInside(root, parentSegments, 'path');
    if (parentStat && !parentStat.isDirectory())
      throw new HubError('INVALID_PATH', `"${parentSegments.join('/')}" is a file, not a folder`, PATH_HINT);
    const replaced = existing?.size ?? 0;
    // Refreshes every folder's figure, this one's included; the checks below read them as they stand per chunk.
    await this.totalScratchUsage();
    const target = join(root, ...segments);
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.upload-${randomBytes(6).toString('hex')}`);
    const freeHint = `delete files you no longer need (DELETE /v1/scratch/${agentId}/{path})`;
    let received = 0;
    let reserved = 0;
    const admit = (chunk: number): HubError | null => {
      received += chunk;
      if (received > caps.fileBytes) {
        return new HubError(
          'PAYLOAD_TOO_LARGE',
          `the file is larger than the ${caps.fileBytes}-byte limit for one scratch file`,
          'split it, or ask the organizer to raise limits.scratch_file_bytes',
          { Connection: 'close' },
        );
      }
      const mine = (this.usage.get(agentId)?.bytes ?? 0) + (this.arriving.get(agentId) ?? 0) - reserved;
      const all = this.cachedTotal() + this.arrivingBytes() - reserved;
      if (mine + received - replaced > caps.quotaBytes) {
        return new HubError(
          'SCRATCH_QUOTA_EXCEEDED',
          `this upload would take scratch/${agentId} past its quota (limits.scratch_quota_bytes): it holds ${mine} of ${caps.quotaBytes} bytes`,
          `${freeHint}, or ask the organizer to raise limits.scratch_quota_bytes`,
          { Connection: 'close' },
        );
      }
      if (all + received - replaced > caps.totalBytes) {
        return new HubError(
          'SCRATCH_QUOTA_EXCEEDED',
          `this upload would take all scratch folders together past the hub-wide cap (limits.scratch_total_bytes): they hold ${all} of ${caps.totalBytes} bytes`,
          `${freeHint}; the organizer can free space in other scratch folders or raise limits.scratch_total_bytes in config.json`,
          { Connection: 'close' },
        );
      }
      this.arriving.set(agentId, (this.arriving.get(agentId) ?? 0) + chunk);
      reserved += chunk;
      return null;
    };
    let bytes: number;
    let sha256: string;
    try {
      ({ bytes, sha256 } = await receiveFile(body, temp, admit));
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    } finally {
      const left = (this.arriving.get(agentId) ?? 0) - reserved;
      if (left > 0) this.arriving.set(agentId, left);
      else this.arriving.delete(agentId);
    }
    this.adjustUsage(agentId, bytes - replaced);
    const st = await lstat(target);
    return { ...entryOf(segments.join('/'), st), sha256 };
  }

  async deleteScratch(agentId: string, path: string): Promise<void> {
    const segments = pathSegments(path);
    const root = this.scratchFolder(agentId);
    const st = await this.statInside(root, segments, 'path');
    if (!st)
      throw new HubError(
        'NOT_FOUND',
        `no file "${path}" in scratch/${agentId}`,
        `GET /v1/scratch/${agentId}/ lists the folder`,
      );
    await rm(join(root, ...segments), { recursive: true, force: true });
    // Stale, not gone: the next upload walks the folder again, and until then the old figure errs on the safe side.
    const cached = this.usage.get(agentId);
    if (cached) cached.at = 0;
  }

  /** Reads a text file from the agent's own scratch folder (for `{source}` posts); 404 SOURCE_NOT_FOUND if absent. */
  async readSource(agentId: string, source: string, maxBytes: number): Promise<Buffer> {
    const segments = pathSegments(source, 'source');
    const root = this.scratchFolder(agentId);
    const st = await this.statInside(root, segments, 'source');
    if (!st || !st.isFile()) {
      throw new HubError(
        'SOURCE_NOT_FOUND',
        `no file "${source}" in your scratch folder (scratch/${agentId})`,
        `upload it first: PUT /v1/scratch/${agentId}/${source}`,
      );
    }
    if (st.size > maxBytes)
      throw new HubError(
        'PAYLOAD_TOO_LARGE',
        `"${source}" is ${st.size} bytes; the limit is ${maxBytes}`,
        'shorten it, or publish the detail as an artifact and link it',
      );
    const fh = await openChecked(join(root, ...segments), st, `source "${source}"`);
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  /** Resolves a file or folder under a root (scratch or central, or a folder in them) for reading; null when absent. */
  async locate(root: string, path: string): Promise<{ abs: string; stat: Stats } | null> {
    const segments = path === '' ? [] : pathSegments(path);
    const st = await this.statInside(root, segments, 'path');
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

  /** Opens a file `locate` found, to serve it; `label` names it in a refusal. */
  async openRead(found: { abs: string; stat: Stats }, label: string): Promise<Readable> {
    const fh = await openChecked(found.abs, found.stat, label);
    return fh.createReadStream();
  }

  /** Bytes in an agent's scratch folder; walked at most every 30 s since external agents write there directly. */
  async scratchUsage(agentId: string): Promise<number> {
    const cached = this.usage.get(agentId);
    if (cached && Date.now() - cached.at < 30_000) return cached.bytes;
    const files = await this.collect(
      this.scratchFolder(agentId),
      '',
      Number.POSITIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    );
    const bytes = files.reduce((n, f) => n + f.bytes, 0);
    this.usage.set(agentId, { bytes, at: Date.now() });
    return bytes;
  }

  /**
   * Bytes in all scratch folders together (the figure limits.scratch_total_bytes caps), from each folder's own
   * cached figure. A folder replaced by a link counts as empty: the hub reads nothing through it, and one broken
   * folder must not stop everyone else's uploads.
   */
  async totalScratchUsage(): Promise<number> {
    const folders = new Set<string>();
    for (const name of await readdir(this.scratchRoot)) {
      if (name.startsWith('.') || !(await lstatOrNull(join(this.scratchRoot, name)))?.isDirectory()) continue;
      folders.add(name);
      await this.scratchUsage(name);
    }
    for (const name of this.usage.keys()) if (!folders.has(name)) this.usage.delete(name);
    return this.cachedTotal();
  }

  private cachedTotal(): number {
    let n = 0;
    for (const u of this.usage.values()) n += u.bytes;
    return n;
  }

  private arrivingBytes(): number {
    let n = 0;
    for (const bytes of this.arriving.values()) n += bytes;
    return n;
  }

  private adjustUsage(agentId: string, delta: number): void {
    const cached = this.usage.get(agentId);
    if (cached) cached.bytes += delta;
  }

  /** Every regular file under `root/path` (itself if a file), refusing links, within count and byte limits. */
  private async collect(
    root: string,
    path: string,
    maxFiles: number,
    maxBytes: number,
  ): Promise<Array<{ rel: string; abs: string; bytes: number; stat: Stats }>> {
    const files: Array<{ rel: string; abs: string; bytes: number; stat: Stats }> = [];
    let total = 0;
    const visit = async (abs: string, rel: string, st: Stats): Promise<void> => {
      if (st.isSymbolicLink()) return;
      if (st.isFile()) {
        files.push({ rel, abs, bytes: st.size, stat: st });
        total += st.size;
        if (files.length > maxFiles)
          throw new HubError(
            'SYNC_TOO_LARGE',
            `more than ${maxFiles} files to copy`,
            'sync a smaller folder, or pack the files into one archive',
          );
        if (total > maxBytes)
          throw new HubError(
            'SYNC_TOO_LARGE',
            `more than ${maxBytes} bytes to copy`,
            'sync a smaller folder; keep large files in your scratch folder and link them',
          );
        return;
      }
      if (!st.isDirectory()) return;
      for (const name of (await readdir(abs)).sort()) {
        if (name.startsWith('.')) continue;
        const childAbs = join(abs, name);
        const child = await lstatOrNull(childAbs);
        if (child) await visit(childAbs, rel ? `${rel}/${name}` : name, child);
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
   * renamed, so a reader never sees half a file; every file is checked before the first is copied, so a refusal
   * copies nothing. `inspect`, when given, sees each file's bytes as they are copied and may throw: that file is then
   * not written (the bytes inspected are the bytes published, whatever changes in scratch meanwhile).
   */
  async copyToCentral(
    agentId: string,
    source: string,
    destRel: string,
    mode: 'into' | 'as',
    limits: { files: number; bytes: number },
    inspect?: (srcPath: string) => (chunk: Buffer) => void,
  ): Promise<CopiedFile[]> {
    const srcRoot = this.scratchFolder(agentId);
    const sourcePath = source.replace(/\/+$/, '');
    pathSegments(sourcePath, 'source');
    const destSegments = pathSegments(destRel, 'dest');
    const files = await this.collect(srcRoot, sourcePath, limits.files, limits.bytes);
    if (files.length === 0) {
      throw new HubError(
        'SOURCE_NOT_FOUND',
        `no file or non-empty folder "${source}" in your scratch folder (scratch/${agentId})`,
        `upload it first: PUT /v1/scratch/${agentId}/${sourcePath}`,
      );
    }
    const label = (rel: string) => `scratch/${agentId}/${rel}`;
    for (const f of files) refuseHardLink(f.stat, label(f.rel));
    const sourceIsFile = files.length === 1 && files[0]!.rel === sourcePath;
    if (mode === 'as' && !sourceIsFile)
      throw new HubError(
        'INVALID_PATH',
        `"${source}" is a folder; name a single file`,
        'use /v1/artifacts:sync for folders',
      );
    await this.statInside(this.centralRoot, destSegments, 'dest');
    const copied: CopiedFile[] = [];
    for (const f of files) {
      const rel = mode === 'as' ? destRel : `${destRel}/${sourceIsFile ? f.rel : f.rel.slice(sourcePath.length + 1)}`;
      const relSegments = rel.split('/');
      await this.statInside(this.centralRoot, relSegments.slice(0, -1), 'dest');
      const target = join(this.centralRoot, ...relSegments);
      await mkdir(dirname(target), { recursive: true });
      const temp = join(dirname(target), `.copy-${randomBytes(6).toString('hex')}`);
      const src = await openChecked(f.abs, f.stat, label(f.rel));
      const out = createWriteStream(temp, { flags: 'wx', mode: 0o644, flush: true });
      try {
        if (inspect) await pipeline(src.createReadStream(), inspecting(inspect(f.rel)), out);
        else await pipeline(src.createReadStream(), out);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
      await rename(temp, target);
      copied.push({ src_path: f.rel, dest_path: rel, bytes: f.bytes });
    }
    return copied;
  }

  /**
   * Writes a file the hub composes itself (a stamped manifest) into central: to a temp name, synced, then renamed, so
   * a reader never sees half of it; no link on the way is followed.
   */
  async writeCentral(destRel: string, content: string | Buffer): Promise<void> {
    const segments = pathSegments(destRel, 'dest');
    await this.statInside(this.centralRoot, segments.slice(0, -1), 'dest');
    const target = join(this.centralRoot, ...segments);
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.write-${randomBytes(6).toString('hex')}`);
    const fh = await open(temp, 'wx', 0o644);
    try {
      await fh.writeFile(content);
      await fh.sync();
    } catch (err) {
      await fh.close();
      await rm(temp, { force: true });
      throw err;
    }
    await fh.close();
    await rename(temp, target);
  }
}
