// The model library's downloads: starting, joining and cancelling pulls into the HF cache, their progress as the
// dashboard sees it, and how each one ended.
import { randomBytes } from 'node:crypto';
import { ModelLibraryError, type DownloadInfo, type PullModelBody } from '../shared/models';
import { ModelDownloadError } from './model-download-error';
import { BenchError } from './bench-error';
import { pullModel, type PullProgress } from './model-download';
import { preflightPackModel, pullPackModel, recordHashes, type HubPackModel } from './pack-model-pins';

/** An ended download stays listed this long, so the dashboard can say how it ended. */
const ENDED_KEPT_MS = 10 * 60_000;
const ENDED_KEPT_MAX = 20;
/** Progress goes out at most this often per download (the pull measures every 100 ms). */
const PUBLISH_INTERVAL_MS = 250;

interface Download {
  info: DownloadInfo;
  /** The sha256 this pull checks the bytes against (null: the Hub's own); a pull asking for another may not join. */
  sha256: string | null;
  controller: AbortController;
  settled: Promise<void>;
}

export interface ModelPullsOptions {
  hubUrl: string;
  cacheDir: string;
  /** The token to send as of now, or why the configured one cannot be sent (a pull is refused with that). */
  credentials: () => { token: string | undefined; problem: ModelLibraryError | null };
  /** The delete running in a repo, if any: a pull of that repo waits for it, so it never loses its folder mid-way. */
  deleteInRepo: (repo: string) => Promise<void> | undefined;
  /**
   * The pack model (installed or shipped pack) a pull names, if any: it is held to its pin or first-download hash and
   * its declared architecture, as `models pull <name>` and a pack install hold it.
   */
  packModel?: (repo: string, file: string, revision: string) => HubPackModel | null;
  /** The data folder's record of first-download hashes (firstDownloadRecordFile). */
  recordFile?: string;
}

/** How the hub's refusal of a changed pack file tells the person to take it on purpose. */
const ACCEPT_HINT = () => 'accept the new file in the Models panel (or pull again with "accept_new_hash": true)';

/**
 * The library's refusals for each way a pull can fail, with what to do about it. `heldToFirstDownload`: the file is a
 * pack's, held to the hash recorded at its first download here (a changed one can be accepted on purpose).
 */
function pullRefusal(err: unknown, repo: string, file: string, heldToFirstDownload = false): ModelLibraryError {
  // A pack model whose file declares another architecture than its pack says.
  if (err instanceof BenchError && err.code === 'MODEL_CORRUPT')
    return new ModelLibraryError(
      'MODEL_MISMATCH',
      err.message,
      'the pack names a file converted for another llama.cpp: get the one its message names (nothing of a file refused on its first bytes was downloaded; one refused after its download stays in the cache: delete it from the list)',
    );
  if (!(err instanceof ModelDownloadError)) {
    return new ModelLibraryError(
      'INTERNAL',
      `the pull of ${repo}/${file} failed: ${(err as Error).message}`,
      'check that the Hugging Face cache folder can be written',
    );
  }
  switch (err.code) {
    case 'INVALID_INPUT':
      return new ModelLibraryError(
        'INVALID_BODY',
        err.message,
        'repo is owner/name as on huggingface.co; file is the path of a .gguf file inside it',
      );
    case 'NOT_FOUND':
      return new ModelLibraryError(
        'MODEL_NOT_FOUND',
        err.message,
        "check the repo and the file name on the model page's Files tab",
      );
    case 'GATED':
    case 'UNAUTHORIZED':
      return new ModelLibraryError(
        'MODEL_ACCESS_DENIED',
        err.message,
        'start the hub with HF_TOKEN set to a token that can read this repo',
      );
    case 'HASH_MISMATCH':
      // The Hub announced another sha256 than the one recorded here: the publisher changed the file, or someone did.
      if (heldToFirstDownload && err.changedOnHub)
        return new ModelLibraryError(
          'MODEL_CHANGED_ON_HUB',
          err.message,
          'if you trust the change (the publisher re-uploaded the file), pull it again with "accept_new_hash": true: its hash then replaces the recorded one; otherwise keep the file you have',
        );
      return new ModelLibraryError(
        'MODEL_MISMATCH',
        err.message,
        'pin the revision the expected sha256 was taken from, or leave sha256 out',
      );
    case 'SIZE_MISMATCH':
      return new ModelLibraryError(
        'MODEL_MISMATCH',
        err.message,
        'pin the revision the expected sha256 was taken from, or leave sha256 out',
      );
    case 'NO_SPACE':
      return new ModelLibraryError(
        'NO_SPACE',
        err.message,
        'delete models you no longer need (DELETE /v1/models/<id>)',
      );
    case 'BUSY':
      return new ModelLibraryError('DOWNLOAD_BUSY', err.message, 'wait for the other pull to finish');
    default:
      return new ModelLibraryError(
        'HF_UNREACHABLE',
        err.message,
        'check the connection and the Hugging Face endpoint (HF_ENDPOINT), then pull again: it resumes from the bytes already here',
      );
  }
}

export class ModelPulls {
  private readonly downloads = new Map<string, Download>();
  private readonly ended: DownloadInfo[] = [];
  private closed = false;

  constructor(private readonly o: ModelPullsOptions) {}

  /** The running downloads, then the recently ended ones (newest first). */
  list(): DownloadInfo[] {
    const cutoff = Date.now() - ENDED_KEPT_MS;
    while (
      this.ended.length > 0 &&
      (this.ended.length > ENDED_KEPT_MAX || Date.parse(this.ended[0]!.finished_at!) < cutoff)
    )
      this.ended.shift();
    return [...[...this.downloads.values()].map((d) => ({ ...d.info })), ...[...this.ended].reverse()];
  }

  /** The running download of a file of `repo` (of `file` when given), if any. */
  running(repo: string | null, file?: string | null): DownloadInfo | undefined {
    return [...this.downloads.values()].find(
      (d) => d.info.repo === repo && (file === undefined || d.info.file === file),
    )?.info;
  }

  pull(ref: PullModelBody, onUpdate: (download: DownloadInfo) => void): Promise<DownloadInfo> {
    if (this.closed)
      return Promise.reject(
        new ModelLibraryError(
          'SHUTTING_DOWN',
          'the hub is shutting down; no pull was started',
          'retry once it is back',
        ),
      );
    const { token, problem } = this.o.credentials();
    if (problem) return Promise.reject(problem);
    const revision = ref.revision ?? 'main';
    const sha256 = ref.sha256?.toLowerCase() ?? null;
    // A file a pack names is held as the pack holds it (a caller's own sha256 is a pin of its own, checked as given).
    const packModel =
      sha256 === null && this.o.recordFile ? (this.o.packModel?.(ref.repo, ref.file, revision) ?? null) : null;
    const heldToFirstDownload = packModel !== null && !packModel.model.source.hf.sha256;
    const acceptNewHash = ref.accept_new_hash === true;
    if (acceptNewHash && !heldToFirstDownload)
      return Promise.reject(
        new ModelLibraryError(
          'INVALID_BODY',
          sha256 !== null
            ? 'accept_new_hash and sha256 together: sha256 pins the bytes you give, accept_new_hash takes whatever the Hub has now'
            : `accept_new_hash: ${ref.repo}/${ref.file} at ${revision} is not held to a hash recorded at its first download here (${packModel ? 'its pack pins a sha256' : 'no pack names it'})`,
          sha256 !== null
            ? 'send one of them'
            : 'pull it without accept_new_hash; it is for a pack file refused as MODEL_CHANGED_ON_HUB',
        ),
      );
    for (const d of this.downloads.values()) {
      if (d.info.repo !== ref.repo || d.info.file !== ref.file || d.info.revision !== revision) continue;
      // Joining a pull that checks other bytes (or none) would answer "done" for a file this caller did not ask for.
      if (sha256 === null || d.sha256 === sha256) return Promise.resolve({ ...d.info });
      return Promise.reject(
        new ModelLibraryError(
          'DOWNLOAD_BUSY',
          `${ref.repo}/${ref.file} is already downloading (${d.info.id}) ${d.sha256 ? `to sha256 ${d.sha256}` : 'without an expected sha256'}, not to the sha256 ${sha256} this pull expects`,
          `wait for that download to end, then pull again: the file is checked against your sha256 then; or cancel it first (DELETE /v1/models/downloads/${d.info.id})`,
        ),
      );
    }
    const id = `dl-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const info: DownloadInfo = {
      id,
      repo: ref.repo,
      file: ref.file,
      revision,
      state: 'starting',
      bytes: 0,
      total: null,
      rate: 0,
      eta_s: null,
      started_at: new Date().toISOString(),
      finished_at: null,
      error: null,
      path: null,
    };
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
      try {
        onUpdate({ ...info });
      } catch {
        /* the state is still readable through list() */
      }
    };
    const onProgress = (p: PullProgress) => {
      const wasStarting = info.state === 'starting';
      Object.assign(info, {
        state: 'downloading',
        bytes: p.bytes,
        total: p.total,
        rate: Math.round(p.rate),
        eta_s: p.eta_s === null ? null : Math.round(p.eta_s * 10) / 10,
      });
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
    const options = {
      hubUrl: this.o.hubUrl,
      cacheDir: this.o.cacheDir,
      ...(token ? { accessToken: token } : {}),
      signal: controller.signal,
      onProgress,
    };
    const recordFile = this.o.recordFile ?? '';
    const transfer = async () => {
      if (!packModel)
        return pullModel({ repo: ref.repo, file: ref.file, revision, ...(sha256 ? { sha256 } : {}) }, options);
      const held = { ...options, recordFile, acceptHint: ACCEPT_HINT, ...(acceptNewHash ? { acceptNewHash } : {}) };
      await preflightPackModel(packModel, held);
      const pulled = await pullPackModel(packModel, held);
      if (pulled.record) recordHashes(recordFile, [{ hf: packModel.model.source.hf, hash: pulled.record }]);
      return pulled;
    };
    // A delete in this repo may be pruning its folders and refs: the pull starts once it is through.
    const deleting = this.o.deleteInRepo(ref.repo);
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
          rejectStart(pullRefusal(err, ref.repo, ref.file, heldToFirstDownload));
          return;
        }
        end(cancelled ? 'cancelled' : 'failed', {
          error: cancelled ? err.message : pullRefusal(err, ref.repo, ref.file, heldToFirstDownload).message,
        });
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
      if (ended)
        throw new ModelLibraryError(
          'DOWNLOAD_FINISHED',
          `download ${downloadId} already ended (${ended.state})`,
          'GET /v1/models lists the downloads and their state',
        );
      throw new ModelLibraryError(
        'DOWNLOAD_NOT_FOUND',
        `no download ${downloadId}`,
        'GET /v1/models lists the downloads and their ids',
      );
    }
    d.controller.abort();
    await d.settled;
    return { ...(this.ended.find((e) => e.id === downloadId) ?? d.info) };
  }

  /** Refuses new pulls and ends the running ones (their bytes stay for a resume). */
  async close(): Promise<void> {
    this.closed = true;
    const running = [...this.downloads.values()];
    for (const d of running) d.controller.abort();
    await Promise.all(running.map((d) => d.settled));
  }
}
