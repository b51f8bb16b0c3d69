// The model files on this machine for the hub (the ModelLibrary seam): listing, pulls, deletes and the machine's
// compute, each done by its own module; this one holds the options and the Hugging Face token they share.
import { HUB_URL } from '@huggingface/hub';
import { existsSync } from 'node:fs';
import { realpath, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  ModelLibraryError,
  type DownloadInfo,
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
import { ModelCatalog } from './model-catalog';
import { ModelDeletes } from './model-delete';
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
}

/** What an HTTP header can carry (the token goes in Authorization). */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

export class BenchModelLibrary implements ModelLibrary {
  private readonly sources: ModelSources;
  private readonly hubUrl: string;
  private readonly catalog: ModelCatalog;
  private readonly pulls: ModelPulls;
  private readonly deletes: ModelDeletes;
  private readonly machine = new SystemProbe();

  constructor(private readonly o: ModelLibraryOptions) {
    const layout = dataLayout(o.dataDir);
    this.sources = {
      cacheDir: o.cacheDir ?? defaultCacheDir(),
      modelsDir: layout.models,
      packFile: layout.challengePack,
      agentModel: o.agentModel,
    };
    this.hubUrl = (o.hubUrl ?? process.env['HF_ENDPOINT'] ?? HUB_URL).replace(/\/+$/, '');
    const { cacheDir, modelsDir } = this.sources;
    this.catalog = new ModelCatalog({
      hubUrl: this.hubUrl,
      token: () => this.credentials().token,
      packsDir: o.packsDir,
    });
    this.pulls = new ModelPulls({
      hubUrl: this.hubUrl,
      cacheDir,
      credentials: () => this.credentials(),
      deleteInRepo: (repo) => this.deletes.running(repo),
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
    const scan = await scanModels(this.sources, options.uses ?? []);
    const available = await this.catalog.available(scan);
    const seen = new Set<string>();
    let modelsBytes = 0;
    for (const m of scan.installed) {
      // Two names for one set of bytes (a snapshot and the pack's path) count once.
      const key = (await realpath(m.path).catch(() => null)) ?? m.path;
      if (!seen.has(key)) modelsBytes += m.bytes;
      seen.add(key);
    }
    const disk = await this.diskSpace();
    const { cacheDir, modelsDir } = this.sources;
    return {
      installed: scan.installed,
      available,
      downloads: this.pulls.list(),
      disk: {
        models_bytes: modelsBytes,
        partial_bytes: scan.partialBytes,
        ...disk,
        cache_dir: cacheDir,
        models_dir: modelsDir,
      },
      hub_url: this.hubUrl,
      token: this.credentials().configured,
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
    return this.pulls.pull(ref, onUpdate);
  }

  cancel(downloadId: string): Promise<DownloadInfo> {
    return this.pulls.cancel(downloadId);
  }

  delete(
    modelId: string,
    options: { force?: boolean; uses?: ExtraModelUse[] } = {},
  ): Promise<{ model: InstalledModel; freed_bytes: number }> {
    return this.deletes.delete(modelId, options);
  }

  system(): Promise<SystemInfo> {
    return this.machine.system();
  }

  close(): Promise<void> {
    return this.pulls.close();
  }
}

/** The library the CLI and the app hand to the hub. */
export function createModelLibrary(options: ModelLibraryOptions): ModelLibrary {
  return new BenchModelLibrary(options);
}
