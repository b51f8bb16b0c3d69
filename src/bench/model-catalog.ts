// The Hub models the challenge packs name that are not on this machine yet, with their sizes looked up on the Hub.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AvailableModel } from '../shared/models';
import { hubHeaders, resolveUrl } from './model-download';
import type { Scan } from './model-scan';
import { readPack, shippedPacksFolder } from './pack-install';

/** GET /v1/models waits this long at most for the Hub to say how big the available models are. */
const SIZE_LOOKUP_WAIT_MS = 1_500;
const SIZE_RETRY_MS = 5 * 60_000;

export interface CatalogOptions {
  hubUrl: string;
  /** The token as of now, when one can be sent (gated repos answer HEAD only with it). */
  token: () => string | undefined;
  /** The challenge packs whose Hub models are offered (undefined: the shipped ones; null: none). */
  packsDir?: string | null | undefined;
}

export class ModelCatalog {
  /** Sizes the Hub gave, remembered: a listing must not wait on the Hub every time. */
  private readonly sizes = new Map<string, { bytes: number | null; at: number; pending?: Promise<void> }>();

  constructor(private readonly o: CatalogOptions) {}

  /** The Hub models the packs name that are not in the cache, with their size where known. */
  async available(scan: Pick<Scan, 'installed' | 'pack'>): Promise<AvailableModel[]> {
    const have = new Set(scan.installed.filter((m) => m.repo && m.file).map((m) => `${m.repo}\0${m.file}`));
    const packs = [...(scan.pack ? [scan.pack] : []), ...this.shippedPacks()];
    const needed = new Set<string>();
    for (const [, m] of Object.entries(scan.pack?.models ?? {}))
      if ('hf' in m.source) needed.add(`${m.source.hf.repo}\0${m.source.hf.file}`);
    const out = new Map<string, AvailableModel>();
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
          needed: needed.has(key),
        });
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
    if (waits.length > 0)
      await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, SIZE_LOOKUP_WAIT_MS).unref())]);
    for (const m of models)
      if (m.bytes === null) m.bytes = this.sizes.get(`${m.repo}\0${m.file}\0${m.revision ?? 'main'}`)?.bytes ?? null;
  }

  private async remoteSize(repo: string, file: string, revision: string): Promise<number | null> {
    try {
      const res = await fetch(resolveUrl(this.o.hubUrl, repo, revision, file), {
        method: 'HEAD',
        redirect: 'manual',
        headers: hubHeaders(this.o.token() ?? null),
        signal: AbortSignal.timeout(5_000),
      });
      const size = Number(
        res.headers.get('x-linked-size') ?? (res.ok ? res.headers.get('content-length') : null) ?? NaN,
      );
      return Number.isSafeInteger(size) && size > 0 ? size : null;
    } catch {
      return null;
    }
  }
}
