// The model files on this machine for the hub (the ModelLibrary seam): GGUF files in the Hugging Face cache and the
// data folder, what the installed pack and the agents use, what the packs name, pulls with progress, safe deletes.
import { getHFHubCachePath, HUB_URL } from '@huggingface/hub';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { lstat, readdir, readFile, realpath, rm, rmdir, stat, statfs, unlink } from 'node:fs/promises';
import { availableParallelism, cpus, freemem, totalmem } from 'node:os';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { APP_VERSION } from '../shared/version';
import {
  ModelLibraryError,
  type AvailableModel,
  type DownloadInfo,
  type ExtraModelUse,
  type GpuDevice,
  type InstalledModel,
  type ModelLibrary,
  type ModelsInfo,
  type ModelUse,
  type PullModelBody,
  type SystemInfo,
} from '../shared/models';
import type { InstalledPack } from '../shared/challenge';
import { dataLayout } from '../platform/data-folder';
import { chooseBackend } from './backend';
import { nodeLlamaCppFolder } from './llama-binaries';
import { ModelDownloadError, pullModel, type PullProgress } from './model-download';
import { readInstalledPack, readPack, shippedPacksFolder } from './pack-install';

export interface ModelLibraryOptions {
  /** The hub's data folder: its installed pack and its models/ folder (the generated demo models). */
  dataDir: string;
  /** The Hugging Face cache (default: the one huggingface_hub uses); tests give a temp folder. */
  cacheDir?: string;
  /** Where pulls go (default: $HF_ENDPOINT, else https://huggingface.co). */
  hubUrl?: string;
  /** For gated and private repos; sent only to the Hub, never shown. A function is asked at each use (hf-token.ts). */
  accessToken?: string | (() => string | undefined);
  /** The challenge packs whose Hub models are offered (default: the shipped ones; null: none). */
  packsDir?: string | null;
  /** The GGUF chat model local agents think with unless a spawn names another, if any. */
  agentModel?: () => string | null;
}

/** An ended download stays listed this long, so the dashboard can say how it ended. */
const ENDED_KEPT_MS = 10 * 60_000;
const ENDED_KEPT_MAX = 20;
/** Progress goes out at most this often per download (the pull measures every 100 ms). */
const PUBLISH_INTERVAL_MS = 250;
/** GET /v1/models waits this long at most for the Hub to say how big the available models are. */
const SIZE_LOOKUP_WAIT_MS = 1_500;
const SIZE_RETRY_MS = 5 * 60_000;

interface Download {
  info: DownloadInfo;
  /** The sha256 this pull checks the bytes against (null: the Hub's own); a pull asking for another may not join. */
  sha256: string | null;
  controller: AbortController;
  settled: Promise<void>;
}

/** One GGUF file found on disk, before it is grouped into an InstalledModel. */
interface FoundFile {
  source: InstalledModel['source'];
  repo: string | null;
  file: string | null;
  commit: string | null;
  /** The path a loader opens (a snapshot link for a cached file). */
  path: string;
  /** Where the bytes are (the blob for a cached file). */
  real: string;
  bytes: number;
  mtimeMs: number;
  /** Whether the bytes are inside the folder that owns them (a link out of the cache is not). */
  owned: boolean;
}

/** A use of a model file, with what deleting the file would break. */
type Use = ModelUse & { warning: string };

/** A cached Hub file, every snapshot of it: what a delete removes. */
interface CachedModel {
  repoDir: string;
  file: string;
  snapshots: FoundFile[];
}

interface Scan {
  installed: InstalledModel[];
  /** Per installed model id: the cached snapshots behind it (for a delete). */
  cached: Map<string, CachedModel>;
  pack: InstalledPack | null;
  partialBytes: number;
}

const GGUF = /\.gguf$/i;
/** What an HTTP header can carry (the token goes in Authorization). */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/**
 * Removes one file of a model; a file another program holds open (Windows answers EPERM or EBUSY, where Unix would
 * let it go) or one this user may not remove is a refusal that says so, not a raw 500.
 */
async function removeFile(path: string, name: string): Promise<void> {
  try {
    // unlink, not rm: rm answers a refused unlink by trying it as a folder, and reports ENOTDIR instead of why.
    await unlink(path);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT') return;
    if (code === 'EBUSY' || (code === 'EPERM' && process.platform === 'win32')) {
      throw new ModelLibraryError('MODEL_IN_USE', `${name} is open in another program, so it cannot be deleted now (${code})`, "stop what has it open (the agents' inference host, a benchmark job, another llama.cpp), then delete again");
    }
    if (code === 'EPERM' || code === 'EACCES' || code === 'EROFS') {
      throw new ModelLibraryError('MODEL_NOT_DELETABLE', `${name} cannot be deleted: ${code === 'EROFS' ? 'its disk is read-only' : `this user may not remove ${path}`} (${code})`, 'delete it yourself if you are sure');
    }
    throw err;
  }
}

/** Whether `child` is strictly inside `parent` (both absolute, already resolved where links matter). */
function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

async function realOrNull(path: string): Promise<string | null> {
  return realpath(path).catch(() => null);
}

/** Every file under `dir` (depth-limited, links not followed into folders), as paths relative to `dir`. */
async function walk(dir: string, depth = 6, prefix = ''): Promise<string[]> {
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

/** models--owner--name -> owner/name (the Hub forbids "--" in names, so the split is exact). */
function repoOfFolder(folder: string): string | null {
  if (!folder.startsWith('models--')) return null;
  const parts = folder.slice('models--'.length).split('--');
  return parts.length >= 1 && parts.length <= 2 && parts.every(Boolean) ? parts.join('/') : null;
}

function modelId(key: string): string {
  return `m${createHash('sha256').update(key).digest('hex').slice(0, 15)}`;
}

function gone(name: string): ModelLibraryError {
  return new ModelLibraryError('MODEL_NOT_FOUND', `${name} is no longer on disk: it was removed since it was listed`, 'GET /v1/models lists what is installed now');
}

/** The library's refusals for each way a pull can fail, with what to do about it. */
function pullRefusal(err: unknown, repo: string, file: string): ModelLibraryError {
  if (!(err instanceof ModelDownloadError)) {
    return new ModelLibraryError('INTERNAL', `the pull of ${repo}/${file} failed: ${(err as Error).message}`, 'check that the Hugging Face cache folder can be written');
  }
  switch (err.code) {
    case 'INVALID_INPUT':
      return new ModelLibraryError('INVALID_BODY', err.message, 'repo is owner/name as on huggingface.co; file is the path of a .gguf file inside it');
    case 'NOT_FOUND':
      return new ModelLibraryError('MODEL_NOT_FOUND', err.message, "check the repo and the file name on the model page's Files tab");
    case 'GATED':
    case 'UNAUTHORIZED':
      return new ModelLibraryError('MODEL_ACCESS_DENIED', err.message, 'start the hub with HF_TOKEN set to a token that can read this repo');
    case 'HASH_MISMATCH':
    case 'SIZE_MISMATCH':
      return new ModelLibraryError('MODEL_MISMATCH', err.message, 'pin the revision the expected sha256 was taken from, or leave sha256 out');
    case 'NO_SPACE':
      return new ModelLibraryError('NO_SPACE', err.message, 'delete models you no longer need (DELETE /v1/models/<id>)');
    case 'BUSY':
      return new ModelLibraryError('DOWNLOAD_BUSY', err.message, 'wait for the other pull to finish');
    default:
      return new ModelLibraryError('HF_UNREACHABLE', err.message, 'check the connection and the Hugging Face endpoint (HF_ENDPOINT), then pull again: it resumes from the bytes already here');
  }
}

const run = (command: string, args: string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 5_000, encoding: 'utf8', windowsHide: true }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });

/** The GPUs this machine has, from the vendor tools (cheap, and no llama.cpp backend loaded into the hub's process). */
async function detectGpus(flavor: string | null): Promise<{ devices: GpuDevice[]; note: string | null }> {
  if (process.platform === 'darwin' && process.arch === 'arm64') {
    return { devices: [{ name: `${cpus()[0]?.model ?? 'Apple silicon'} GPU (Metal)`, vram_bytes: totalmem(), vram_free_bytes: null }], note: 'unified memory: the GPU shares the RAM' };
  }
  const smi = await run('nvidia-smi', ['--query-gpu=name,memory.total,memory.free', '--format=csv,noheader,nounits']).catch(() => null);
  const nvidia = parseNvidiaSmi(smi ?? '');
  if (nvidia.length > 0) {
    return { devices: nvidia, note: flavor === 'cuda' ? null : `llama.cpp does not use it here: its CUDA build or runtime is missing (backend: ${flavor ?? 'none'})` };
  }
  if (flavor === 'vulkan') {
    const info = await run('vulkaninfo', ['--summary']).catch(() => '');
    const names = [...info.matchAll(/deviceName\s*=\s*(.+)/g)].map((m) => m[1]!.trim());
    if (names.length > 0) return { devices: names.map((name) => ({ name, vram_bytes: null, vram_free_bytes: null })), note: null };
  }
  return { devices: [], note: flavor && flavor !== 'cpu' ? `llama.cpp has a ${flavor} build but no GPU answered` : 'no GPU found: llama.cpp runs on the CPU' };
}

/** `nvidia-smi --query-gpu=name,memory.total,memory.free --format=csv,noheader,nounits` lines (MiB). */
export function parseNvidiaSmi(text: string): GpuDevice[] {
  const mib = (v: string | undefined) => (v !== undefined && /^\d+(\.\d+)?$/.test(v.trim()) ? Math.round(Number(v) * 2 ** 20) : null);
  return text
    .split(/\r?\n/)
    .map((line) => line.split(',').map((s) => s.trim()))
    .filter((f) => f[0])
    .map(([name, total, free]) => ({ name: name!, vram_bytes: mib(total), vram_free_bytes: mib(free) }));
}

export class BenchModelLibrary implements ModelLibrary {
  private readonly cacheDir: string;
  private readonly modelsDir: string;
  private readonly packFile: string;
  private readonly hubUrl: string;
  /** The token sent to the Hub: undefined when none is configured or the configured one cannot be sent. */
  private readonly downloads = new Map<string, Download>();
  private readonly ended: DownloadInfo[] = [];
  private readonly sizes = new Map<string, { bytes: number | null; at: number; pending?: Promise<void> }>();
  private staticSystem: Omit<SystemInfo, 'memory' | 'gpu'> | null = null;
  private gpu: SystemInfo['gpu'] = { state: 'detecting', devices: [], note: null };
  private gpuDetection: Promise<void> | null = null;
  private closed = false;
  /** Set when the configured token cannot be sent: pulls are refused with it rather than with a misleading error. */
  /** Deletes run one at a time: two deletes of one model (or of one repo's files) would race on the same files. */
  private deleteQueue: Promise<unknown> = Promise.resolve();
  /** Per repo, the delete running in it: a pull of that repo waits for it, so it never loses its folder mid-way. */
  private readonly repoDeletes = new Map<string, Promise<void>>();

  constructor(private readonly o: ModelLibraryOptions) {
    const layout = dataLayout(o.dataDir);
    this.cacheDir = o.cacheDir ?? getHFHubCachePath();
    this.modelsDir = layout.models;
    this.packFile = layout.challengePack;
    this.hubUrl = (o.hubUrl ?? process.env['HF_ENDPOINT'] ?? HUB_URL).replace(/\/+$/, '');
  }

  /** The token as of now (read when needed: a sign-in or a new token file counts at the next request). */
  private credentials(): { token: string | undefined; problem: ModelLibraryError | null; configured: boolean } {
    const raw = typeof this.o.accessToken === 'function' ? this.o.accessToken() : this.o.accessToken;
    const token = raw?.trim() || undefined;
    // Never quoted: a token with a stray character is still a secret.
    const problem = token !== undefined && !HEADER_SAFE.test(token)
      ? new ModelLibraryError('HF_TOKEN_INVALID', 'HF_TOKEN is not a valid token: it holds characters an HTTP header cannot carry (a space, a quote, a line break inside it?)', 'check the environment the hub was started from (or the Hugging Face token file): the token must be alone (hf_…); or remove it for public models')
      : null;
    return { token: problem ? undefined : token, problem, configured: token !== undefined };
  }

  // ---- listing --------------------------------------------------------------------------------------------------

  async list(options: { uses?: ExtraModelUse[] } = {}): Promise<ModelsInfo> {
    const scan = await this.scan(options.uses ?? []);
    const available = await this.available(scan);
    const seen = new Set<string>();
    let modelsBytes = 0;
    for (const m of scan.installed) {
      // Two names for one set of bytes (a snapshot and the pack's path) count once.
      const key = (await realOrNull(m.path)) ?? m.path;
      if (!seen.has(key)) modelsBytes += m.bytes;
      seen.add(key);
    }
    const disk = await this.diskSpace();
    return {
      installed: scan.installed,
      available,
      downloads: this.downloadList(),
      disk: { models_bytes: modelsBytes, partial_bytes: scan.partialBytes, ...disk, cache_dir: this.cacheDir, models_dir: this.modelsDir },
      hub_url: this.hubUrl,
      token: this.credentials().configured,
    };
  }

  private downloadList(): DownloadInfo[] {
    const cutoff = Date.now() - ENDED_KEPT_MS;
    while (this.ended.length > 0 && (this.ended.length > ENDED_KEPT_MAX || Date.parse(this.ended[0]!.finished_at!) < cutoff)) this.ended.shift();
    return [...[...this.downloads.values()].map((d) => ({ ...d.info })), ...[...this.ended].reverse()];
  }

  /** Free and total bytes of the disk that holds (or will hold) the cache. */
  private async diskSpace(): Promise<{ free_bytes: number | null; disk_bytes: number | null }> {
    let dir = this.cacheDir;
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    try {
      const fs = await statfs(dir);
      return { free_bytes: Number(fs.bavail) * Number(fs.bsize), disk_bytes: Number(fs.blocks) * Number(fs.bsize) };
    } catch {
      return { free_bytes: null, disk_bytes: null };
    }
  }

  /** GGUF files of the HF cache: one entry per repo and file, across its snapshots. */
  private async scanCache(): Promise<{ files: Map<string, CachedModel & { preferred: FoundFile }>; partialBytes: number }> {
    const files = new Map<string, CachedModel & { preferred: FoundFile }>();
    let partialBytes = 0;
    const cacheReal = await realOrNull(this.cacheDir);
    if (!cacheReal) return { files, partialBytes };
    for (const folder of await readdir(cacheReal).catch(() => [] as string[])) {
      const repo = repoOfFolder(folder);
      if (!repo) continue;
      const repoDir = join(cacheReal, folder);
      for (const blob of await readdir(join(repoDir, 'blobs')).catch(() => [] as string[])) {
        if (blob.endsWith('.incomplete')) partialBytes += (await stat(join(repoDir, 'blobs', blob)).catch(() => null))?.size ?? 0;
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
          const found: FoundFile = { source: 'hf', repo, file: rel, commit, path, real, bytes: st.size, mtimeMs: st.mtimeMs, owned: isInside(real, repoDir) };
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

  private async scan(extraUses: ExtraModelUse[]): Promise<Scan> {
    const pack = readInstalledPack(this.packFile);
    const agentModel = this.o.agentModel?.() ?? null;
    // Who uses which bytes, by their real path: the pack names snapshot paths, the cache lists the same blobs.
    const uses = new Map<string, Use[]>();
    const addUse = async (path: string, use: Use) => {
      const real = await realOrNull(path);
      if (real) uses.set(real, [...(uses.get(real) ?? []), use]);
    };
    if (pack) {
      for (const [name, path] of Object.entries(pack.model_paths ?? {})) {
        const role = pack.models[name]?.role ?? 'model';
        await addUse(path, {
          kind: 'pack',
          label: `${pack.id} pack: ${name} (${role})`,
          warning: `The installed ${pack.id} challenge pack uses it as ${name} (${role}): its jobs and baseline fail until it is back (pull it again, or run \`collab-desk challenge init ${pack.id}\`).`,
        });
      }
    }
    if (agentModel) await addUse(agentModel, { kind: 'agents', label: "local agents' model", warning: 'Local agents think with it: spawning local agents fails until it is back, or until they are given another model.' });
    for (const { path, kind, label, warning } of extraUses) await addUse(path, { kind, label, warning });

    const installed: InstalledModel[] = [];
    const cached = new Map<string, CachedModel>();
    const listed = new Set<string>();
    const { files, partialBytes } = await this.scanCache();
    for (const entry of files.values()) {
      const f = entry.preferred;
      const id = modelId(`hf:${f.repo}:${f.file}`);
      const reals = [...new Set(entry.snapshots.map((s) => s.real))];
      const bytes = entry.snapshots.filter((s, i, all) => all.findIndex((o) => o.real === s.real) === i).reduce((sum, s) => sum + s.bytes, 0);
      const used = reals.flatMap((r) => uses.get(r) ?? []);
      reals.forEach((r) => listed.add(r));
      const owned = entry.snapshots.every((s) => s.owned);
      installed.push(this.model(id, f, bytes, used, owned ? null : 'its snapshot links to a file outside the Hugging Face cache: Collab Desk deletes only what is inside it'));
      cached.set(id, entry);
    }

    const modelsReal = await realOrNull(this.modelsDir);
    if (modelsReal) {
      for (const rel of await walk(modelsReal)) {
        if (!GGUF.test(rel)) continue;
        const path = join(this.modelsDir, ...rel.split('/'));
        const real = await realOrNull(path);
        const st = real ? await stat(real).catch(() => null) : null;
        if (!real || !st?.isFile() || listed.has(real)) continue;
        listed.add(real);
        const found: FoundFile = { source: 'generated', repo: null, file: null, commit: null, path, real, bytes: st.size, mtimeMs: st.mtimeMs, owned: isInside(real, modelsReal) };
        installed.push(this.model(modelId(`models:${rel}`), found, st.size, uses.get(real) ?? [], found.owned ? null : 'it links to a file outside the data folder'));
      }
    }

    // Files the pack or the agents use that live elsewhere: shown (they count), never deleted.
    const elsewhere = [...Object.values(pack?.model_paths ?? {}), ...(agentModel ? [agentModel] : []), ...extraUses.map((u) => u.path)];
    for (const path of elsewhere) {
      const real = await realOrNull(path);
      const st = real ? await stat(real).catch(() => null) : null;
      if (!real || !st?.isFile() || listed.has(real)) continue;
      listed.add(real);
      const found: FoundFile = { source: 'file', repo: null, file: null, commit: null, path, real, bytes: st.size, mtimeMs: st.mtimeMs, owned: false };
      installed.push(this.model(modelId(`file:${real}`), found, st.size, uses.get(real) ?? [], 'a file of your own, outside the Hugging Face cache and the data folder: Collab Desk never deletes it'));
    }
    installed.sort((a, b) => b.used_by.length - a.used_by.length || a.name.localeCompare(b.name));
    return { installed, cached, pack, partialBytes };
  }

  private model(id: string, f: FoundFile, bytes: number, uses: Use[], locked: string | null): InstalledModel {
    // One use said once, however many names of the file it came through (two snapshots, a link and its target).
    const used = uses.filter((u, i) => uses.findIndex((o) => o.label === u.label) === i);
    return {
      id,
      name: basename(f.file ?? f.path),
      source: f.source,
      repo: f.repo,
      file: f.file,
      commit: f.commit,
      path: f.path,
      bytes,
      modified_at: new Date(f.mtimeMs).toISOString(),
      used_by: used.map(({ kind, label }) => ({ kind, label })),
      deletable: locked === null,
      locked_reason: locked,
      delete_warning: used.length === 0 ? null : used.map((u) => u.warning).join(' '),
    };
  }

  /** The Hub models the packs name that are not in the cache, with their size where known. */
  private async available(scan: Scan): Promise<AvailableModel[]> {
    const have = new Set(scan.installed.filter((m) => m.repo && m.file).map((m) => `${m.repo}\0${m.file}`));
    const packs = [...(scan.pack ? [scan.pack] : []), ...this.shippedPacks()];
    const needed = new Set<string>();
    for (const [, m] of Object.entries(scan.pack?.models ?? {})) if ('hf' in m.source) needed.add(`${m.source.hf.repo}\0${m.source.hf.file}`);
    const out = new Map<string, AvailableModel>();
    for (const pack of packs) {
      for (const [name, m] of Object.entries(pack.models)) {
        if (!('hf' in m.source)) continue;
        const { repo, file, revision, sha256, bytes } = m.source.hf;
        const key = `${repo}\0${file}`;
        if (have.has(key) || out.has(key)) continue;
        out.set(key, { name, pack: pack.id, role: m.role, description: m.description ?? '', repo, file, revision: revision ?? null, sha256: sha256 ?? null, bytes: bytes ?? null, needed: needed.has(key) });
      }
    }
    const list = [...out.values()];
    await this.lookUpSizes(list);
    return list;
  }

  private shippedPacks(): Array<ReturnType<typeof readPack>> {
    let folder: string;
    try {
      folder = this.o.packsDir === undefined ? shippedPacksFolder() : (this.o.packsDir ?? '');
    } catch {
      return [];
    }
    if (!folder || !existsSync(folder)) return [];
    const packs = [];
    for (const entry of readdirSync(folder).filter((f) => f.endsWith('.json')).sort()) {
      try {
        packs.push(readPack(join(folder, entry)));
      } catch {
        // A broken pack offers nothing; `challenge init` says what is wrong with it.
      }
    }
    return packs;
  }

  /** Fills in sizes the packs do not give from the Hub's answer to HEAD, remembered; waits a moment at most. */
  private async lookUpSizes(models: AvailableModel[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const m of models) {
      if (m.bytes !== null) continue;
      const key = `${m.repo}\0${m.file}\0${m.revision ?? 'main'}`;
      let known = this.sizes.get(key);
      if (!known || (known.bytes === null && !known.pending && Date.now() - known.at > SIZE_RETRY_MS)) {
        const entry: { bytes: number | null; at: number; pending?: Promise<void> } = { bytes: null, at: Date.now() };
        entry.pending = this.remoteSize(m.repo, m.file, m.revision ?? 'main').then((bytes) => {
          entry.bytes = bytes;
          entry.at = Date.now();
          delete entry.pending;
        });
        this.sizes.set(key, entry);
        known = entry;
      }
      if (known.pending) waits.push(known.pending);
    }
    if (waits.length > 0) await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, SIZE_LOOKUP_WAIT_MS).unref())]);
    for (const m of models) if (m.bytes === null) m.bytes = this.sizes.get(`${m.repo}\0${m.file}\0${m.revision ?? 'main'}`)?.bytes ?? null;
  }

  private async remoteSize(repo: string, file: string, revision: string): Promise<number | null> {
    const url = `${this.hubUrl}/${repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
    const { token } = this.credentials();
    try {
      const res = await fetch(url, {
        method: 'HEAD',
        redirect: 'manual',
        headers: { 'user-agent': `collab-desk/${APP_VERSION}`, 'accept-encoding': 'identity', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        signal: AbortSignal.timeout(5_000),
      });
      const size = Number(res.headers.get('x-linked-size') ?? (res.ok ? res.headers.get('content-length') : null) ?? NaN);
      return Number.isSafeInteger(size) && size > 0 ? size : null;
    } catch {
      return null;
    }
  }

  // ---- pulls ----------------------------------------------------------------------------------------------------

  pull(ref: PullModelBody, onUpdate: (download: DownloadInfo) => void): Promise<DownloadInfo> {
    if (this.closed) return Promise.reject(new ModelLibraryError('SHUTTING_DOWN', 'the hub is shutting down; no pull was started', 'retry once it is back'));
    const { token, problem } = this.credentials();
    if (problem) return Promise.reject(problem);
    const revision = ref.revision ?? 'main';
    const sha256 = ref.sha256?.toLowerCase() ?? null;
    for (const d of this.downloads.values()) {
      if (d.info.repo !== ref.repo || d.info.file !== ref.file || d.info.revision !== revision) continue;
      // Joining a pull that checks other bytes (or none) would answer "done" for a file this caller did not ask for.
      if (sha256 === null || d.sha256 === sha256) return Promise.resolve({ ...d.info });
      return Promise.reject(new ModelLibraryError(
        'DOWNLOAD_BUSY',
        `${ref.repo}/${ref.file} is already downloading (${d.info.id}) ${d.sha256 ? `to sha256 ${d.sha256}` : 'without an expected sha256'}, not to the sha256 ${sha256} this pull expects`,
        `wait for that download to end, then pull again: the file is checked against your sha256 then; or cancel it first (DELETE /v1/models/downloads/${d.info.id})`,
      ));
    }
    const id = `dl-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const info: DownloadInfo = { id, repo: ref.repo, file: ref.file, revision, state: 'starting', bytes: 0, total: null, rate: 0, eta_s: null, started_at: new Date().toISOString(), finished_at: null, error: null, path: null };
    const controller = new AbortController();
    let started = false;
    let lastPublished = 0;
    let resolveStart!: (d: DownloadInfo) => void;
    let rejectStart!: (e: unknown) => void;
    const start = new Promise<DownloadInfo>((resolve, reject) => {
      resolveStart = resolve;
      rejectStart = reject;
    });
    const publish = () => {
      lastPublished = performance.now();
      // A listener's failure must not turn into a failed pull (nor an unhandled rejection of `settled`).
      try { onUpdate({ ...info }); } catch { /* the state is still readable through list() */ }
    };
    const onProgress = (p: PullProgress) => {
      const wasStarting = info.state === 'starting';
      Object.assign(info, { state: 'downloading', bytes: p.bytes, total: p.total, rate: Math.round(p.rate), eta_s: p.eta_s === null ? null : Math.round(p.eta_s * 10) / 10 });
      const finished = p.total !== null && p.bytes >= p.total;
      if (wasStarting || finished || performance.now() - lastPublished >= PUBLISH_INTERVAL_MS) publish();
      if (!started) {
        started = true;
        resolveStart({ ...info });
      }
    };
    const end = (state: DownloadInfo['state'], changes: Partial<DownloadInfo>) => {
      Object.assign(info, { state, rate: 0, eta_s: null, finished_at: new Date().toISOString(), ...changes });
      this.downloads.delete(id);
      this.ended.push({ ...info });
    };
    const transfer = () => pullModel(
      { repo: ref.repo, file: ref.file, revision, ...(sha256 ? { sha256 } : {}) },
      { hubUrl: this.hubUrl, cacheDir: this.cacheDir, ...(token ? { accessToken: token } : {}), signal: controller.signal, onProgress },
    );
    // A delete in this repo may be pruning its folders and refs: the pull starts once it is through.
    const deleting = this.repoDeletes.get(ref.repo);
    const settled = (deleting ? deleting.then(transfer) : transfer()).then(
      (pulled) => {
        end('done', { bytes: pulled.bytes, total: pulled.bytes, path: pulled.path });
        publish();
        if (!started) resolveStart({ ...info });
      },
      (err: unknown) => {
        const cancelled = err instanceof ModelDownloadError && err.code === 'CANCELLED';
        if (!started && !cancelled) {
          // Nothing was transferred: the caller hears why at once, and nothing is listed.
          this.downloads.delete(id);
          rejectStart(pullRefusal(err, ref.repo, ref.file));
          return;
        }
        end(cancelled ? 'cancelled' : 'failed', { error: cancelled ? err.message : pullRefusal(err, ref.repo, ref.file).message });
        publish();
        if (!started) resolveStart({ ...info });
      },
    );
    this.downloads.set(id, { info, sha256, controller, settled });
    return start;
  }

  async cancel(downloadId: string): Promise<DownloadInfo> {
    const d = this.downloads.get(downloadId);
    if (!d) {
      const ended = this.ended.find((e) => e.id === downloadId);
      if (ended) throw new ModelLibraryError('DOWNLOAD_FINISHED', `download ${downloadId} already ended (${ended.state})`, 'GET /v1/models lists the downloads and their state');
      throw new ModelLibraryError('DOWNLOAD_NOT_FOUND', `no download ${downloadId}`, 'GET /v1/models lists the downloads and their ids');
    }
    d.controller.abort();
    await d.settled;
    return { ...(this.ended.find((e) => e.id === downloadId) ?? d.info) };
  }

  // ---- deletes --------------------------------------------------------------------------------------------------

  delete(modelIdToDelete: string, options: { force?: boolean; uses?: ExtraModelUse[] } = {}): Promise<{ model: InstalledModel; freed_bytes: number }> {
    const run = this.deleteQueue.then(() => this.deleteNow(modelIdToDelete, options));
    this.deleteQueue = run.catch(() => undefined);
    return run;
  }

  private async deleteNow(modelIdToDelete: string, options: { force?: boolean; uses?: ExtraModelUse[] }): Promise<{ model: InstalledModel; freed_bytes: number }> {
    const scan = await this.scan(options.uses ?? []);
    const model = scan.installed.find((m) => m.id === modelIdToDelete);
    if (!model) throw new ModelLibraryError('MODEL_NOT_FOUND', `no installed model with id "${modelIdToDelete}"`, 'GET /v1/models lists the installed models and their ids');
    if (!model.deletable) throw new ModelLibraryError('MODEL_NOT_DELETABLE', `${model.name} cannot be deleted here: ${model.locked_reason}`, 'delete it yourself if you are sure');
    const downloading = [...this.downloads.values()].find((d) => d.info.repo === model.repo && d.info.file === model.file);
    if (downloading) throw new ModelLibraryError('MODEL_IN_USE', `${model.name} is being downloaded (${downloading.info.id})`, `cancel the download first: DELETE /v1/models/downloads/${downloading.info.id}`);
    if (model.used_by.length > 0 && !options.force) {
      throw new ModelLibraryError('MODEL_IN_USE', `${model.name} is in use. ${model.delete_warning}`, 'pass force=true to delete it anyway');
    }
    if (model.source !== 'hf') return { model, freed_bytes: await this.deleteInModelsDir(model.path, model.name) };
    const repo = model.repo!;
    // Another file of the repo downloading needs the repo's folder, its snapshot folder and refs/main as they are;
    // a pull asked for from now on waits for this delete (no await between this check and the claim).
    const repoBusy = [...this.downloads.values()].some((d) => d.info.repo === repo);
    let release!: () => void;
    this.repoDeletes.set(repo, new Promise<void>((resolve) => (release = resolve)));
    try {
      return { model, freed_bytes: await this.deleteCached(scan.cached.get(model.id)!, model.name, { prune: !repoBusy }) };
    } finally {
      this.repoDeletes.delete(repo);
      release();
    }
  }

  /**
   * Removes the file's blobs no other snapshot file links to, then its snapshot links in every commit; then (unless
   * another file of the repo is downloading) the snapshot folders and refs left empty, and the repo's folder once
   * nothing is left in it. The blobs go first: a blob another program holds open refuses before anything is gone.
   * Every path removed is checked to lie inside the repo's folder in the cache first: nothing outside it is touched.
   */
  private async deleteCached(entry: CachedModel, name: string, o: { prune: boolean }): Promise<number> {
    const cacheReal = await realpath(this.cacheDir);
    const repoDir = entry.repoDir;
    if (!isInside(repoDir, cacheReal)) throw new ModelLibraryError('MODEL_NOT_DELETABLE', `${repoDir} is not inside the Hugging Face cache`);
    const snapshotsDir = join(repoDir, 'snapshots');
    const links = entry.snapshots.map((s) => s.path);
    const blobs = [...new Set(entry.snapshots.map((s) => s.real))];
    for (const p of [...links, ...blobs]) {
      if (!isInside(p, repoDir)) throw new ModelLibraryError('MODEL_NOT_DELETABLE', `${p} is not inside ${repoDir}; nothing was deleted`);
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
      if (o.prune) await this.pruneEmpty(dirname(link), snapshotsDir);
    }
    if (!o.prune) return freed;
    await this.dropDanglingRefs(repoDir);
    const left = await readdir(snapshotsDir).catch(() => [] as string[]);
    const blobsLeft = await readdir(join(repoDir, 'blobs')).catch(() => [] as string[]);
    if (left.length === 0 && blobsLeft.length === 0) await rm(repoDir, { recursive: true, force: true });
    return freed;
  }

  /** Removes empty folders from `dir` up to (not including) `stop`. */
  private async pruneEmpty(dir: string, stop: string): Promise<void> {
    let current = dir;
    while (isInside(current, stop)) {
      const entries = await readdir(current).catch(() => null);
      if (entries === null || entries.length > 0) return;
      await rmdir(current).catch(() => undefined);
      current = dirname(current);
    }
  }

  /** A ref naming a snapshot that no longer exists is what huggingface_hub's cache scan calls corrupted: drop it. */
  private async dropDanglingRefs(repoDir: string): Promise<void> {
    const refsDir = join(repoDir, 'refs');
    for (const rel of await walk(refsDir)) {
      const path = join(refsDir, ...rel.split('/'));
      const commit = (await readFile(path, 'utf8').catch(() => '')).trim();
      if (commit && !existsSync(join(repoDir, 'snapshots', commit))) await rm(path, { force: true });
    }
    if ((await readdir(refsDir).catch(() => ['x'])).length === 0) await rmdir(refsDir).catch(() => undefined);
  }

  private async deleteInModelsDir(path: string, name: string): Promise<number> {
    let modelsReal: string;
    let real: string;
    let parentReal: string;
    let size: number;
    try {
      modelsReal = await realpath(this.modelsDir);
      real = await realpath(path);
      parentReal = await realpath(dirname(path));
      size = (await stat(real)).size;
    } catch (err) {
      // Removed between the listing and this delete (by hand, or by another delete).
      if (errnoOf(err) === 'ENOENT') throw gone(name);
      throw err;
    }
    // Both the name and what it resolves to must be inside models/: a link out of it is never followed.
    if (!isInside(real, modelsReal) || !isInside(join(parentReal, basename(path)), modelsReal)) {
      throw new ModelLibraryError('MODEL_NOT_DELETABLE', `${path} is not inside ${this.modelsDir}; nothing was deleted`);
    }
    await removeFile(join(parentReal, basename(path)), name);
    await this.pruneEmpty(dirname(join(parentReal, basename(path))), modelsReal);
    return size;
  }

  // ---- the machine ----------------------------------------------------------------------------------------------

  async system(): Promise<SystemInfo> {
    if (!this.staticSystem) this.staticSystem = this.describeMachine();
    // The GPU probe runs a vendor tool: once, in the background; until it answers the GPU reads "detecting".
    this.gpuDetection ??= detectGpus(this.staticSystem.backend.flavor).then(
      ({ devices, note }) => void (this.gpu = { state: 'ready', devices, note }),
      (err: unknown) => void (this.gpu = { state: 'ready', devices: [], note: `the GPU probe failed: ${(err as Error).message}` }),
    );
    await Promise.race([this.gpuDetection, new Promise((r) => setTimeout(r, 300).unref())]);
    return { ...this.staticSystem, memory: { total_bytes: totalmem(), free_bytes: freemem() }, gpu: { ...this.gpu, devices: this.gpu.devices.map((d) => ({ ...d })) } };
  }

  private describeMachine(): Omit<SystemInfo, 'memory' | 'gpu'> {
    let backend: SystemInfo['backend'];
    try {
      const choice = chooseBackend('auto');
      const metal = process.platform === 'darwin' && choice.binaries.packageName.includes('metal');
      backend = { flavor: metal ? 'metal' : choice.binaries.flavor, reason: choice.reason, llama_cpp_release: choice.binaries.release, package: choice.binaries.packageName };
    } catch (err) {
      backend = { flavor: null, reason: (err as Error).message, llama_cpp_release: null, package: null };
    }
    let version: string | null = null;
    try {
      version = (JSON.parse(readFileSync(join(nodeLlamaCppFolder(), 'package.json'), 'utf8')) as { version?: string }).version ?? null;
    } catch {
      version = null;
    }
    return {
      platform: process.platform,
      arch: process.arch,
      cpu: { model: cpus()[0]?.model.trim() ?? 'unknown', cores: availableParallelism() },
      backend,
      node_llama_cpp: version,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const running = [...this.downloads.values()];
    for (const d of running) d.controller.abort();
    await Promise.all(running.map((d) => d.settled));
  }
}

/** The library the CLI and the app hand to the hub. */
export function createModelLibrary(options: ModelLibraryOptions): ModelLibrary {
  return new BenchModelLibrary(options);
}
