// The models contract: what GET /v1/models shows (installed, available, downloads, disk), pulls and deletes, the
// machine's compute (for Settings), and the ModelLibrary seam the hub calls (the bench implements it).
import { Type, type Static } from 'typebox';
import { CodedError } from './errors';
import { Closed, Nullable } from './response-schema';

/** POST /v1/models/pull: one GGUF file of a Hugging Face model repository. */
export const PullModelBody = Type.Object(
  {
    // Checked by the library, whose refusal says what a repo id looks like (a pattern's message would not).
    repo: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'owner/name of a model repository on the Hugging Face Hub',
    }),
    file: Type.String({ minLength: 1, maxLength: 500, description: 'path of the GGUF file inside the repository' }),
    revision: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'branch, tag or commit (default main)' }),
    ),
    sha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'the sha256 the file must have' })),
    accept_new_hash: Type.Optional(
      Type.Boolean({
        description:
          "a file a pack names that changed on the Hub since its first download here (refused as MODEL_CHANGED_ON_HUB): take the Hub's file as it is now, its hash replacing the recorded one",
      }),
    ),
  },
  { additionalProperties: false },
);
export type PullModelBody = Static<typeof PullModelBody>;

export const DeleteModelQuery = Type.Object(
  {
    force: Type.Optional(
      Type.Boolean({
        description:
          'delete a model in use (by the installed pack, the agents, the inference host or the agent defaults): they break until it is pulled again',
      }),
    ),
  },
  { additionalProperties: false },
);
export type DeleteModelQuery = Static<typeof DeleteModelQuery>;

/**
 * Who needs an installed model: a role in the installed challenge pack, the local agents' chat model, the model the
 * swarm's inference host has loaded, or the model the saved agent defaults name.
 */
export const ModelUse = Closed({
  kind: Type.Union([Type.Literal('pack'), Type.Literal('agents'), Type.Literal('inference'), Type.Literal('defaults')]),
  label: Type.String({ description: '"demo pack: target (target)", "local agents\' model", "agent defaults"' }),
});
export type ModelUse = Static<typeof ModelUse>;

/** A use the hub knows and the library cannot see (the swarm's loaded model, the saved agent defaults). */
export interface ExtraModelUse extends ModelUse {
  /** The file it uses: any path that resolves to the model's bytes (a snapshot path, a link). */
  path: string;
  /** What deleting the file breaks: said when a delete is refused, and in delete_warning. */
  warning: string;
}

/** Whether local agents can think with a model: read from its GGUF header. */
export const AgentBrain = Closed({
  ok: Type.Boolean({
    description:
      'a chat model agents can think with: a chat template in its metadata, not a drafter, not a generated random-weight model',
  }),
  why: Nullable(Type.String(), { description: 'why agents cannot think with it, in words; null when they can' }),
  architecture: Nullable(
    Type.String({ description: 'its general.architecture, e.g. gemma4, qwen3, gemma4-assistant' }),
  ),
  chat_format: Nullable(
    Type.String({
      description:
        'the family of its chat template (gemma4, gemma, chatml, llama3, harmony, mistral, custom); null when it has none',
    }),
  ),
});
export type AgentBrain = Static<typeof AgentBrain>;

/** A GGUF file this app knows on this machine. */
export const InstalledModel = Closed({
  id: Type.String({ description: 'opaque and stable: DELETE /v1/models/{id}' }),
  name: Type.String({ description: 'the file name, e.g. gemma-4-E4B-it-Q4_K_M.gguf' }),
  source: Type.Union([Type.Literal('hf'), Type.Literal('generated'), Type.Literal('file')], {
    description:
      "hf: in the Hugging Face cache; generated: a demo model in the data folder; file: a file of the person's own",
  }),
  repo: Nullable(Type.String()),
  file: Nullable(Type.String({ description: "the file's path inside its repository" })),
  commit: Nullable(Type.String()),
  path: Type.String({ description: 'the path llama.cpp loads' }),
  bytes: Type.Integer({ description: "bytes on disk (the blob's size for a cached file)" }),
  modified_at: Type.String(),
  used_by: Type.Array(ModelUse),
  deletable: Type.Boolean({
    description: "whether DELETE may remove it at all (only files inside the HF cache or the data folder's models/)",
  }),
  locked_reason: Nullable(Type.String(), { description: 'why it cannot be deleted, when it cannot' }),
  delete_warning: Nullable(Type.String(), {
    description: 'what deleting it breaks (it needs force=true then); null when nothing uses it',
  }),
  brain: AgentBrain,
});
export type InstalledModel = Static<typeof InstalledModel>;

/**
 * Where a model of this size would run here: all in VRAM, spilling into RAM (CPU offload), or larger than RAM. A
 * GGUF needs about its file size plus the KV cache and compute buffers, so every figure is an estimate.
 */
export const ModelFit = Closed({
  verdict: Type.Union([Type.Literal('vram'), Type.Literal('ram'), Type.Literal('too-big')]),
  needed_bytes: Type.Integer({ description: 'about what loading it takes: the file plus the KV cache and buffers' }),
  vram_bytes: Nullable(Type.Integer(), {
    description:
      "the GPUs' memory together (on unified memory, about the share of the RAM the GPU may use); null without a GPU, when its memory is unknown, or while it is detected",
  }),
  ram_bytes: Type.Integer({ description: "this machine's memory" }),
  detail: Type.String({ description: 'the estimate and the figures it was compared with, in words' }),
  provisional: Type.Boolean({
    description: 'the GPU was still being detected: the hint may change to VRAM on a later read',
  }),
});
export type ModelFit = Static<typeof ModelFit>;

/** An installed model recommended as an agent's brain. */
export const RecommendedBrain = Closed({
  id: Type.String({ description: 'the installed model (installed[].id)' }),
  reason: Type.String({
    description: 'why it is recommended, e.g. "the target of the gemma pack; a gemma4 chat model; fits in VRAM"',
  }),
  fit: ModelFit,
});
export type RecommendedBrain = Static<typeof RecommendedBrain>;

/** A model a shipped (or the installed) challenge pack names that is not on this machine yet. */
export const AvailableModel = Closed({
  name: Type.String({ description: "the pack's name for it, e.g. gemma-4-e4b-q4" }),
  pack: Type.String(),
  role: Type.Union([Type.Literal('target'), Type.Literal('draft')]),
  description: Type.String(),
  repo: Type.String(),
  file: Type.String(),
  revision: Nullable(Type.String()),
  sha256: Nullable(Type.String()),
  bytes: Nullable(Type.Integer(), {
    description: 'its size, when the pack says it or the Hub answered; null when unknown',
  }),
  size_pending: Type.Boolean({
    description: 'the Hub has been asked for the size and has not answered yet: read the list again shortly',
  }),
  size_note: Nullable(Type.String(), {
    description: 'why the size is unknown (offline, not found on the Hub, still asking); null when it is known',
  }),
  fit: Nullable(ModelFit, { description: "whether it fits this machine's memory; null while the size is unknown" }),
  needed: Type.Boolean({ description: 'the installed pack names it: its jobs need it' }),
});
export type AvailableModel = Static<typeof AvailableModel>;

export const DownloadState = Type.Union([
  Type.Literal('starting'),
  Type.Literal('downloading'),
  Type.Literal('done'),
  Type.Literal('failed'),
  Type.Literal('cancelled'),
]);
export type DownloadState = Static<typeof DownloadState>;

/** One pull: also the data of the `model.progress` event. */
export const DownloadInfo = Closed({
  id: Type.String(),
  repo: Type.String(),
  file: Type.String(),
  revision: Type.String(),
  state: DownloadState,
  bytes: Type.Integer(),
  total: Nullable(Type.Integer()),
  rate: Type.Number({ description: 'bytes per second over the last few seconds' }),
  eta_s: Nullable(Type.Number()),
  started_at: Type.String(),
  finished_at: Nullable(Type.String()),
  error: Nullable(Type.String(), {
    description: 'why it failed or was cancelled (the partial file stays for a resume)',
  }),
  path: Nullable(Type.String(), { description: 'where the model is, once done' }),
});
export type DownloadInfo = Static<typeof DownloadInfo>;

/** What one folder takes (every file's bytes, hard links once), measured in the background and remembered. */
export const FolderUse = Closed({
  path: Type.String(),
  bytes: Nullable(Type.Integer(), { description: 'null until first measured, or when it cannot be read' }),
  measured_at: Nullable(Type.String()),
  note: Nullable(Type.String(), { description: 'why there is no figure (still measuring, unreadable)' }),
  same_disk: Type.Boolean({ description: 'whether it lies on the disk free_bytes and disk_bytes describe' }),
});
export type FolderUse = Static<typeof FolderUse>;

/** The hub's data folder, and what in it takes the room. */
export const DataFolderUse = Closed({
  ...FolderUse.properties,
  models_bytes: Nullable(Type.Integer(), { description: 'models/: the generated demo models' }),
  runs_bytes: Nullable(Type.Integer(), { description: "central/: the jobs' runs and published material" }),
  record_bytes: Nullable(Type.Integer(), { description: 'the hub database (hub.db and its journal)' }),
});
export type DataFolderUse = Static<typeof DataFolderUse>;

export const DiskUse = Closed({
  models_bytes: Type.Integer({ description: 'every installed model together' }),
  partial_bytes: Type.Integer({ description: 'downloads that stopped before the end, kept to resume from' }),
  free_bytes: Nullable(Type.Integer(), {
    description: 'free bytes on the disk holding the Hugging Face cache (null when it cannot be read)',
  }),
  disk_bytes: Nullable(Type.Integer(), { description: "that disk's size" }),
  cache_dir: Type.String(),
  models_dir: Type.String(),
  data: DataFolderUse,
  hf_cache: FolderUse,
});
export type DiskUse = Static<typeof DiskUse>;

export const ModelsInfo = Closed({
  installed: Type.Array(InstalledModel),
  brains: Type.Array(RecommendedBrain, {
    description:
      "installed models agents can think with, best first (a challenge pack's target, then what fits in VRAM, then the larger); those larger than the memory are left out",
  }),
  available: Type.Array(AvailableModel),
  downloads: Type.Array(DownloadInfo, {
    description: 'running downloads, then the ones that ended in the last minutes',
  }),
  disk: DiskUse,
  hub_url: Type.String({ description: 'the Hugging Face endpoint pulls go to' }),
  token: Type.Boolean({ description: 'whether an access token is configured (never the token)' }),
});
export type ModelsInfo = Static<typeof ModelsInfo>;

/** POST /v1/models/pull (202) and DELETE /v1/models/downloads/{id}: the download as it stands. */
export const DownloadResponse = Closed({ download: DownloadInfo });
export type DownloadResponse = Static<typeof DownloadResponse>;

/** DELETE /v1/models/{id}: which model went, and the bytes freed. */
export const ModelDeleted = Closed({ deleted: Type.String(), name: Type.String(), freed_bytes: Type.Integer() });
export type ModelDeleted = Static<typeof ModelDeleted>;

export const GpuDevice = Closed({
  name: Type.String(),
  vram_bytes: Nullable(Type.Integer()),
  vram_free_bytes: Nullable(Type.Integer()),
});
export type GpuDevice = Static<typeof GpuDevice>;

/** What Settings shows of the machine: the llama.cpp backend node-llama-cpp uses here, the GPU, CPU and memory. */
export const SystemInfo = Closed({
  platform: Type.String(),
  arch: Type.String(),
  cpu: Closed({ model: Type.String(), cores: Type.Integer() }),
  memory: Closed({ total_bytes: Type.Integer(), free_bytes: Type.Integer() }),
  backend: Closed({
    flavor: Nullable(Type.String(), {
      description: 'cuda, vulkan, metal or cpu; null until detected or when no llama.cpp build is installed',
    }),
    reason: Type.String({ description: 'why this one: what was found or missing' }),
    llama_cpp_release: Nullable(Type.String()),
    package: Nullable(Type.String()),
  }),
  /** Probing the GPU runs a tool once, in the background. */
  gpu: Closed(
    {
      state: Type.Union([Type.Literal('detecting'), Type.Literal('ready')]),
      devices: Type.Array(GpuDevice),
      note: Nullable(Type.String()),
    },
    { description: '"detecting" until the probe answered' },
  ),
  node_llama_cpp: Nullable(Type.String()),
});
export type SystemInfo = Static<typeof SystemInfo>;

/** A refusal of the library, with the hub's error code, so it keeps its meaning on the wire. */
export class ModelLibraryError extends CodedError {}

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
  delete(
    modelId: string,
    options?: { force?: boolean; uses?: ExtraModelUse[] },
  ): Promise<{ model: InstalledModel; freed_bytes: number }>;
  system(): Promise<SystemInfo>;
  /** Cancels running pulls; the hub calls it on close. */
  close(): Promise<void>;
}
