// The models contract: what GET /v1/models shows (installed, available, downloads, disk), pulls and deletes, the
// machine's compute (for Settings), and the ModelLibrary seam the hub calls (the bench implements it).
import { Type, type Static } from 'typebox';
import type { ErrorCode } from './errors';

/** POST /v1/models/pull: one GGUF file of a Hugging Face model repository. */
export const PullModelBody = Type.Object(
  {
    // Checked by the library, whose refusal says what a repo id looks like (a pattern's message would not).
    repo: Type.String({ minLength: 1, maxLength: 200, description: 'owner/name of a model repository on the Hugging Face Hub' }),
    file: Type.String({ minLength: 1, maxLength: 500, description: 'path of the GGUF file inside the repository' }),
    revision: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'branch, tag or commit (default main)' })),
    sha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'the sha256 the file must have' })),
  },
  { additionalProperties: false },
);
export type PullModelBody = Static<typeof PullModelBody>;

export const DeleteModelQuery = Type.Object(
  { force: Type.Optional(Type.Boolean({ description: 'delete a model in use (by the installed pack, the agents, the inference host or the agent defaults): they break until it is pulled again' })) },
  { additionalProperties: false },
);
export type DeleteModelQuery = Static<typeof DeleteModelQuery>;

/**
 * Who needs an installed model: a role in the installed challenge pack, the local agents' chat model, the model the
 * swarm's inference host has loaded, or the model the saved agent defaults name.
 */
export interface ModelUse {
  kind: 'pack' | 'agents' | 'inference' | 'defaults';
  /** "demo pack: target (target)", "local agents' model", "agent defaults". */
  label: string;
}

/** A use the hub knows and the library cannot see (the swarm's loaded model, the saved agent defaults). */
export interface ExtraModelUse extends ModelUse {
  /** The file it uses: any path that resolves to the model's bytes (a snapshot path, a link). */
  path: string;
  /** What deleting the file breaks: said when a delete is refused, and in delete_warning. */
  warning: string;
}

/** A GGUF file this app knows on this machine. */
export interface InstalledModel {
  /** Opaque and stable: DELETE /v1/models/<id>. */
  id: string;
  /** The file name, e.g. gemma-4-E4B-it-Q4_K_M.gguf. */
  name: string;
  /** hf: in the Hugging Face cache; generated: a demo model in the data folder; file: a file of the person's own. */
  source: 'hf' | 'generated' | 'file';
  repo: string | null;
  /** The file's path inside its repository. */
  file: string | null;
  commit: string | null;
  /** The path llama.cpp loads. */
  path: string;
  /** Bytes on disk (the blob's size for a cached file). */
  bytes: number;
  modified_at: string;
  used_by: ModelUse[];
  /** Whether DELETE may remove it at all (only files inside the HF cache or the data folder's models/). */
  deletable: boolean;
  /** Why it cannot be deleted, when it cannot. */
  locked_reason: string | null;
  /** What deleting it breaks (it needs force=true then); null when nothing uses it. */
  delete_warning: string | null;
}

/** A model a shipped (or the installed) challenge pack names that is not on this machine yet. */
export interface AvailableModel {
  /** The pack's name for it, e.g. gemma-4-e4b-q4. */
  name: string;
  pack: string;
  role: 'target' | 'draft';
  description: string;
  repo: string;
  file: string;
  revision: string | null;
  sha256: string | null;
  /** Its size, when the pack says it or the Hub answered; null when unknown. */
  bytes: number | null;
  /** The installed pack names it: its jobs need it. */
  needed: boolean;
}

export type DownloadState = 'starting' | 'downloading' | 'done' | 'failed' | 'cancelled';

/** One pull: also the data of the `model.progress` event. */
export interface DownloadInfo {
  id: string;
  repo: string;
  file: string;
  revision: string;
  state: DownloadState;
  bytes: number;
  total: number | null;
  /** Bytes per second over the last few seconds. */
  rate: number;
  eta_s: number | null;
  started_at: string;
  finished_at: string | null;
  /** Why it failed or was cancelled (the partial file stays for a resume). */
  error: string | null;
  /** Where the model is, once done. */
  path: string | null;
}

export interface DiskUse {
  /** Every installed model together. */
  models_bytes: number;
  /** Downloads that stopped before the end, kept to resume from. */
  partial_bytes: number;
  /** Free bytes on the disk holding the Hugging Face cache (null when it cannot be read). */
  free_bytes: number | null;
  /** That disk's size. */
  disk_bytes: number | null;
  cache_dir: string;
  models_dir: string;
}

export interface ModelsInfo {
  installed: InstalledModel[];
  available: AvailableModel[];
  /** Running downloads, then the ones that ended in the last minutes. */
  downloads: DownloadInfo[];
  disk: DiskUse;
  /** The Hugging Face endpoint pulls go to. */
  hub_url: string;
  /** Whether an access token is configured (never the token). */
  token: boolean;
}

/** POST /v1/models/pull (202) and DELETE /v1/models/downloads/{id}: the download as it stands. */
export interface DownloadResponse {
  download: DownloadInfo;
}

/** DELETE /v1/models/{id}: which model went, and the bytes freed. */
export interface ModelDeleted {
  deleted: string;
  name: string;
  freed_bytes: number;
}

export interface GpuDevice {
  name: string;
  vram_bytes: number | null;
  vram_free_bytes: number | null;
}

/** What Settings shows of the machine: the llama.cpp backend node-llama-cpp uses here, the GPU, CPU and memory. */
export interface SystemInfo {
  platform: string;
  arch: string;
  cpu: { model: string; cores: number };
  memory: { total_bytes: number; free_bytes: number };
  backend: {
    /** cuda, vulkan, metal or cpu; null until detected or when no llama.cpp build is installed. */
    flavor: string | null;
    /** Why this one: what was found or missing. */
    reason: string;
    llama_cpp_release: string | null;
    package: string | null;
  };
  /** Probing the GPU runs a tool once, in the background: "detecting" until it answered. */
  gpu: { state: 'detecting' | 'ready'; devices: GpuDevice[]; note: string | null };
  node_llama_cpp: string | null;
}

/** A refusal of the library, with the hub's error code, so it keeps its meaning on the wire. */
export class ModelLibraryError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ModelLibraryError';
  }
}

/**
 * The model files on this machine, as the hub serves them: the bench implements it (HF cache, generated demo
 * models, the installed pack), the CLI and the app hand it to the hub, which never imports the bench.
 */
export interface ModelLibrary {
  /** `uses`: what else uses which file, so that the list shows it and a delete asks first. */
  list(options?: { uses?: ExtraModelUse[] }): Promise<ModelsInfo>;
  /**
   * Starts a pull; resolves once the transfer is under way (or done, from the cache) and rejects with a
   * ModelLibraryError when it cannot start (bad reference, unknown file, no access, no space). A pull of a file
   * already downloading answers that download, unless the two ask for different sha256s (DOWNLOAD_BUSY). `onUpdate` hears every later change of it, ending in done,
   * failed or cancelled.
   */
  pull(ref: PullModelBody, onUpdate: (download: DownloadInfo) => void): Promise<DownloadInfo>;
  /** Stops a running pull (its bytes stay for a resume); the ended download. */
  cancel(downloadId: string): Promise<DownloadInfo>;
  /**
   * Deletes an installed model (only inside the HF cache or the data folder's models/); the bytes freed. A model in
   * use (by the pack, the agents or one of `uses`) needs `force`.
   */
  delete(modelId: string, options?: { force?: boolean; uses?: ExtraModelUse[] }): Promise<{ model: InstalledModel; freed_bytes: number }>;
  system(): Promise<SystemInfo>;
  /** Cancels running pulls; the hub calls it on close. */
  close(): Promise<void>;
}
