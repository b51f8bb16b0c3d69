// The Hub models the challenge packs name that are not on this machine yet, with their sizes looked up on the Hub.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ChallengePack } from '../shared/challenge';
import type { AvailableModel } from '../shared/models';
import { remoteFileInfo } from './model-download';
import { ModelDownloadError } from './model-download-error';
import type { Scan } from './model-scan';
import { readPack, shippedPacksFolder } from './pack-install';
import { hubPackModel, type HubPackModel } from './pack-model-pins';

/** GET /v1/models waits this long at most for the Hub to say how big the available models are. */
const SIZE_LOOKUP_WAIT_MS = 1_500;
/** A "not found" or a refusal is asked again after this long (a sign-in or a fixed pack changes the answer). */
const SIZE_RETRY_MS = 5 * 60_000;
/** Offline is asked again sooner: the connection coming back should show within a refresh or two. */
const OFFLINE_RETRY_MS = 60_000;
/** A size read at a branch is checked again after a day (in the background, the old figure shown meanwhile). */
const SIZE_TTL_MS = 24 * 3600_000;
/** A commit never changes: its file's size is good forever. */
const GIT_COMMIT = /^[0-9a-f]{40}$/;

export type AvailableEntry = Omit<AvailableModel, 'fit'>;

export interface CatalogOptions {
  hubUrl: string;
  /** The token as of now, when one can be sent (gated repos answer HEAD only with it). */
  token: () => string | undefined;
  /** The challenge packs whose Hub models are offered (undefined: the shipped ones; null: none). */
  packsDir?: string | null | undefined;
  /** Where the sizes the Hub gave are kept across restarts (null: memory only). */
  sizesFile?: string | null;
}

/** What the Hub said of one file at one revision. */
interface SizeEntry {
  bytes: number | null;
  /** Why there is no size (the Hub's refusal, offline). */
  note: string | null;
  /** When the Hub answered (ms since the epoch); 0 while the first question is out. */
  at: number;
  /** How long the answer holds: a failure is asked again sooner than a size. */
  retryAfterMs: number;
  pending?: Promise<void>;
}

interface SavedSizes {
  [key: string]: { bytes: number; at: number };
}

export class ModelCatalog {
  /** Sizes the Hub gave, remembered: a listing must not wait on the Hub every time. */
  private readonly sizes = new Map<string, SizeEntry>();
  private loaded: Promise<void> | null = null;
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly o: CatalogOptions) {}

  /** The Hub models the packs name that are not in the cache, with their size where known (and why not, if not). */
  async available(scan: Pick<Scan, 'installed' | 'pack'>): Promise<AvailableEntry[]> {
    const have = new Set(scan.installed.filter((m) => m.repo && m.file).map((m) => `${m.repo}\0${m.file}`));
    const packs = [...(scan.pack ? [scan.pack] : []), ...this.shippedPacks()];
    const needed = new Set<string>();
    for (const [, m] of Object.entries(scan.pack?.models ?? {}))
      if ('hf' in m.source) needed.add(`${m.source.hf.repo}\0${m.source.hf.file}`);
    const out = new Map<string, AvailableEntry>();
    for (const pack of packs) {
      for (const [name, m] of Object.entries(pack.models)) {
        if (!('hf' in m.source)) continue;
        const { repo, file, revision, sha256, bytes } = m.source.hf;
        const key = `${repo}\0${file}`;
        if (have.has(key) || out.has(key)) continue;
        out.set(key, {
          name,
          pack: pack.id,
          role: m.role,
          description: m.description ?? '',
          repo,
          file,
          revision: revision ?? null,
          sha256: sha256 ?? null,
          bytes: bytes ?? null,
          size_pending: false,
          size_note: null,
          needed: needed.has(key),
        });
      }
    }
    const list = [...out.values()];
    await this.lookUpSizes(list);
    return list;
  }

  /** Every Hub model the installed and shipped packs name as a target or a draft, installed or not. */
  packModels(scan: Pick<Scan, 'pack'>): Array<Pick<AvailableModel, 'pack' | 'repo' | 'file' | 'role'>> {
    return [...(scan.pack ? [scan.pack] : []), ...this.shippedPacks()].flatMap((pack) =>
      Object.values(pack.models).flatMap((m) =>
        'hf' in m.source ? [{ pack: pack.id, repo: m.source.hf.repo, file: m.source.hf.file, role: m.role }] : [],
      ),
    );
  }

  /** The Hub model a pack names at this repo, file and revision: the installed pack's first, then the shipped ones'. */
  hubPackModel(installed: ChallengePack | null, repo: string, file: string, revision: string): HubPackModel | null {
    for (const pack of [...(installed ? [installed] : []), ...this.shippedPacks()]) {
      for (const [name, m] of Object.entries(pack.models)) {
        const found = hubPackModel(pack.id, name, m);
        const hf = found?.model.source.hf;
        if (hf && hf.repo === repo && hf.file === file && (hf.revision ?? 'main') === revision) return found;
      }
    }
    return null;
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
    for (const entry of readdirSync(folder)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      try {
        packs.push(readPack(join(folder, entry)));
      } catch {
        // A broken pack offers nothing; `challenge init` says what is wrong with it.
      }
    }
    return packs;
  }

  /**
   * Fills in sizes the packs do not give from the Hub's answer to HEAD, remembered (in memory and in the sizes
   * file); waits a moment at most, and says "asking" for a question still out.
   */
  private async lookUpSizes(models: AvailableEntry[]): Promise<void> {
    this.loaded ??= this.loadSaved();
    await this.loaded;
    const waits: Promise<void>[] = [];
    const keyOf = (m: AvailableEntry) => `${m.repo}\0${m.file}\0${m.revision ?? 'main'}`;
    for (const m of models) {
      if (m.bytes !== null) continue;
      const key = keyOf(m);
      let known = this.sizes.get(key);
      const stale =
        known !== undefined &&
        !known.pending &&
        Date.now() - known.at > known.retryAfterMs &&
        !(known.bytes !== null && GIT_COMMIT.test(m.revision ?? ''));
      if (!known || stale) {
        const entry: SizeEntry = known ?? { bytes: null, note: null, at: 0, retryAfterMs: 0 };
        entry.pending = this.ask(m, entry).finally(() => delete entry.pending);
        this.sizes.set(key, entry);
        known = entry;
      }
      // A size already known is shown while it is checked again; only a first question is waited for.
      if (known.pending && known.bytes === null) waits.push(known.pending);
    }
    if (waits.length > 0)
      await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, SIZE_LOOKUP_WAIT_MS).unref())]);
    const host = new URL(this.o.hubUrl).host;
    for (const m of models) {
      if (m.bytes !== null) continue;
      const known = this.sizes.get(keyOf(m));
      m.bytes = known?.bytes ?? null;
      if (m.bytes !== null) continue;
      m.size_pending = known?.pending !== undefined;
      m.size_note = m.size_pending ? `asking ${host} for its size…` : (known?.note ?? 'the Hub did not say');
    }
  }

  /** One HEAD to the Hub, its answer kept in `entry`: a size, or why there is none. */
  private async ask(m: AvailableEntry, entry: SizeEntry): Promise<void> {
    try {
      const info = await remoteFileInfo(
        { repo: m.repo, file: m.file, ...(m.revision ? { revision: m.revision } : {}) },
        { hubUrl: this.o.hubUrl, accessToken: this.o.token() },
      );
      Object.assign(entry, { bytes: info.size, note: null, at: Date.now(), retryAfterMs: SIZE_TTL_MS });
      this.save();
    } catch (err) {
      const offline = err instanceof ModelDownloadError && (err.code === 'OFFLINE' || err.code === 'HTTP');
      // A size known before stays: the Hub being unreachable now does not make the file smaller.
      Object.assign(entry, {
        note: err instanceof ModelDownloadError ? err.message : `the Hub's answer could not be read: ${String(err)}`,
        at: Date.now(),
        retryAfterMs: offline ? OFFLINE_RETRY_MS : SIZE_RETRY_MS,
      });
    }
  }

  /** Resolves once the sizes learnt so far are written (the library's close waits for it). */
  flush(): Promise<void> {
    return this.saving;
  }

  private async loadSaved(): Promise<void> {
    if (!this.o.sizesFile) return;
    let saved: SavedSizes;
    try {
      saved = JSON.parse(await readFile(this.o.sizesFile, 'utf8')) as SavedSizes;
    } catch {
      // No file yet, or a broken one: the Hub is asked again.
      return;
    }
    for (const [key, v] of Object.entries(saved ?? {})) {
      if (!Number.isSafeInteger(v?.bytes) || v.bytes < 0 || !Number.isFinite(v.at)) continue;
      this.sizes.set(key, { bytes: v.bytes, note: null, at: v.at, retryAfterMs: SIZE_TTL_MS });
    }
  }

  /** Writes the known sizes whole (temp + rename), one write after another. */
  private save(): void {
    const file = this.o.sizesFile;
    if (!file) return;
    this.saving = this.saving.then(async () => {
      const out: SavedSizes = {};
      for (const [key, e] of this.sizes) if (e.bytes !== null) out[key] = { bytes: e.bytes, at: e.at };
      try {
        await mkdir(dirname(file), { recursive: true });
        const temp = `${file}.${process.pid}.tmp`;
        await writeFile(temp, `${JSON.stringify(out, null, 2)}\n`);
        await rename(temp, file);
      } catch {
        // Memory still holds them; a read-only data folder only costs a HEAD after a restart.
      }
    });
  }
}
