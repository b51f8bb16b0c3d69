// The model files on this machine for the hub (the ModelLibrary seam): listing, pulls, deletes and the machine's
// compute, each done by its own module; this one holds the options and the Hugging Face token they share.
import { HUB_URL } from '@huggingface/hub';
import { existsSync } from 'node:fs';
import { realpath, stat, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  ModelLibraryError,
  type AvailableModel,
  type DataFolderUse,
  type DownloadInfo,
  type FolderUse,
  type ExtraModelUse,
  type InstalledModel,
  type ModelLibrary,
  type ModelsInfo,
  type PullModelBody,
  type SystemInfo,
} from '../shared/models';
import { dataLayout } from '../platform/data-folder';
import { SystemProbe } from '../platform/system-info';
import { defaultCacheDir } from './hf-cache';
import { FolderUsage, type FolderReading } from './folder-usage';
import { ModelCatalog } from './model-catalog';
import { readInstalledPack } from './pack-install';
import { firstDownloadRecordFile } from './pack-model-pins';
import { ModelDeletes } from './model-delete';
import { isInside } from './model-files';
import { BrainCache, recommendBrains } from './model-brain';
import { modelFit } from './model-fit';
import { ModelPulls } from './model-pulls';
import { scanModels, type ModelSources } from './model-scan';

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
  /**
   * How old a folder's measured size may be before a listing measures it again (default 30 s); a pull or a delete
   * through the library measures again at once.
   */
  diskUsageMaxAgeMs?: number;
}

/** A listing waits this long at most for a folder walk; a bigger folder shows its last figure meanwhile. */
const FOLDER_WALK_WAIT_MS = 2_000;
/** The hub database's files in the data folder: the record of everything the hub saw. */
const RECORD_FILES = ['hub.db', 'hub.db-wal', 'hub.db-shm', 'hub.db-journal'];

/** What an HTTP header can carry (the token goes in Authorization). */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

export class BenchModelLibrary implements ModelLibrary {
  private readonly sources: ModelSources;
  private readonly hubUrl: string;
  private readonly catalog: ModelCatalog;
  private readonly pulls: ModelPulls;
  private readonly deletes: ModelDeletes;
  private readonly machine = new SystemProbe();
  private readonly usage: FolderUsage;

  constructor(private readonly o: ModelLibraryOptions) {
    const layout = dataLayout(o.dataDir);
    this.usage = new FolderUsage({ maxAgeMs: o.diskUsageMaxAgeMs ?? 30_000, waitMs: FOLDER_WALK_WAIT_MS });
    this.sources = {
      cacheDir: o.cacheDir ?? defaultCacheDir(),
      modelsDir: layout.models,
      packFile: layout.challengePack,
      agentModel: o.agentModel,
      brains: new BrainCache(),
    };
    this.hubUrl = (o.hubUrl ?? process.env['HF_ENDPOINT'] ?? HUB_URL).replace(/\/+$/, '');
    const { cacheDir, modelsDir } = this.sources;
    this.catalog = new ModelCatalog({
      hubUrl: this.hubUrl,
      token: () => this.credentials().token,
      packsDir: o.packsDir,
      // Sizes the Hub gave survive a restart, so the panel does not ask the Hub again each time the hub starts.
      sizesFile: join(layout.root, 'model-sizes.json'),
    });
    this.pulls = new ModelPulls({
      hubUrl: this.hubUrl,
      cacheDir,
      credentials: () => this.credentials(),
      deleteInRepo: (repo) => this.deletes.running(repo),
      // A file a pack names is held to its pin or first-download hash and its architecture, as `models pull` holds it.
      packModel: (repo, file, revision) =>
        this.catalog.hubPackModel(readInstalledPack(layout.challengePack), repo, file, revision),
      recordFile: firstDownloadRecordFile(layout.models),
    });
    this.deletes = new ModelDeletes({
      cacheDir,
      modelsDir,
      scan: (uses) => scanModels(this.sources, uses),
      pulls: this.pulls,
    });
  }

  /** The token as of now (read when needed: a sign-in or a new token file counts at the next request). */
  private credentials(): { token: string | undefined; problem: ModelLibraryError | null; configured: boolean } {
    const raw = typeof this.o.accessToken === 'function' ? this.o.accessToken() : this.o.accessToken;
    const token = raw?.trim() || undefined;
    // Never quoted: a token with a stray character is still a secret.
    const problem =
      token !== undefined && !HEADER_SAFE.test(token)
        ? new ModelLibraryError(
            'HF_TOKEN_INVALID',
            'HF_TOKEN is not a valid token: it holds characters an HTTP header cannot carry (a space, a quote, a line break inside it?)',
            'check the environment the hub was started from (or the Hugging Face token file): the token must be alone (hf_…); or remove it for public models',
          )
        : null;
    return { token: problem ? undefined : token, problem, configured: token !== undefined };
  }

  async list(options: { uses?: ExtraModelUse[] } = {}): Promise<ModelsInfo> {
    // The folder walks and the disk's figures need nothing from the scan: they run beside it and the catalog's and
    // system's lookups rather than after them.
    const [{ scan, entries, system }, disk, folders] = await Promise.all([
      scanModels(this.sources, options.uses ?? []).then(async (scan) => {
        const [entries, system] = await Promise.all([this.catalog.available(scan), this.machine.system()]);
        return { scan, entries, system };
      }),
      this.diskSpace(),
      this.folderUse(),
    ]);
    const available: AvailableModel[] = entries.map((m) => ({
      ...m,
      fit: m.bytes === null ? null : modelFit(m.bytes, system),
    }));
    const seen = new Set<string>();
    let modelsBytes = 0;
    for (const m of scan.installed) {
      // Two names for one set of bytes (a snapshot and the pack's path) count once.
      const key = (await realpath(m.path).catch(() => null)) ?? m.path;
      if (!seen.has(key)) modelsBytes += m.bytes;
      seen.add(key);
    }
    const { cacheDir, modelsDir } = this.sources;
    return {
      installed: scan.installed,
      brains: recommendBrains(scan.installed, this.catalog.packModels(scan), (bytes) => modelFit(bytes, system)),
      available,
      downloads: this.pulls.list(),
      disk: {
        models_bytes: modelsBytes,
        partial_bytes: scan.partialBytes,
        ...disk,
        cache_dir: cacheDir,
        models_dir: modelsDir,
        ...folders,
      },
      hub_url: this.hubUrl,
      token: this.credentials().configured,
    };
  }

  /**
   * The data folder's use (its models, runs and record) and the HF cache's, from the remembered walks; a folder
   * inside the other is counted once, in the inner one.
   */
  private async folderUse(): Promise<{ data: DataFolderUse; hf_cache: FolderUse }> {
    const dataDir = this.o.dataDir;
    const { cacheDir } = this.sources;
    // The disk free_bytes describes is the cache's.
    const [data, cache, diskDev, dataDev] = await Promise.all([
      this.usage.read(dataDir, isInside(cacheDir, dataDir) ? [cacheDir] : []),
      this.usage.read(cacheDir, isInside(dataDir, cacheDir) ? [dataDir] : []),
      deviceOf(cacheDir),
      deviceOf(dataDir),
    ]);
    const folder = (path: string, r: FolderReading, dev: number | null): FolderUse => ({
      path,
      bytes: r.size?.bytes ?? null,
      measured_at: r.size ? new Date(r.size.measuredAt).toISOString() : null,
      note: r.note,
      same_disk: dev !== null && dev === diskDev,
    });
    const top = (names: string[]) =>
      data.size ? names.reduce((sum, name) => sum + (data.size!.byTop.get(name) ?? 0), 0) : null;
    return {
      data: {
        ...folder(dataDir, data, dataDev),
        models_bytes: top(['models']),
        runs_bytes: top(['central']),
        record_bytes: top(RECORD_FILES),
      },
      hf_cache: folder(cacheDir, cache, diskDev),
    };
  }

  /** Free and total bytes of the disk that holds (or will hold) the cache. */
  private async diskSpace(): Promise<{ free_bytes: number | null; disk_bytes: number | null }> {
    let dir = this.sources.cacheDir;
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    try {
      const fs = await statfs(dir);
      return { free_bytes: Number(fs.bavail) * Number(fs.bsize), disk_bytes: Number(fs.blocks) * Number(fs.bsize) };
    } catch {
      return { free_bytes: null, disk_bytes: null };
    }
  }

  pull(ref: PullModelBody, onUpdate: (download: DownloadInfo) => void): Promise<DownloadInfo> {
    return this.pulls.pull(ref, (download) => {
      // A pull that ended changed the cache (or left partial bytes): the disk figures are measured again.
      if (download.state === 'done' || download.state === 'failed' || download.state === 'cancelled')
        this.usage.invalidate();
      onUpdate(download);
    });
  }

  cancel(downloadId: string): Promise<DownloadInfo> {
    return this.pulls.cancel(downloadId);
  }

  delete(
    modelId: string,
    options: { force?: boolean; uses?: ExtraModelUse[] } = {},
  ): Promise<{ model: InstalledModel; freed_bytes: number }> {
    return this.deletes.delete(modelId, options).finally(() => this.usage.invalidate());
  }

  system(): Promise<SystemInfo> {
    return this.machine.system();
  }

  async close(): Promise<void> {
    await Promise.all([this.pulls.close(), this.catalog.flush()]);
  }
}

/** The library the CLI and the app hand to the hub. */
export function createModelLibrary(options: ModelLibraryOptions): ModelLibrary {
  return new BenchModelLibrary(options);
}

/** The device id of the disk a path lies on (or will: its nearest existing folder), null when unreadable. */
async function deviceOf(path: string): Promise<number | null> {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return (await stat(dir).catch(() => null))?.dev ?? null;
}
