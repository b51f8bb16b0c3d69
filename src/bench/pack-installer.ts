// Installs a shipped challenge pack into a hub's data folder from the dashboard: one install at a time, in the
// background, its progress heard by the hub; the same installPack the CLI's `challenge install` runs.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ShippedPack, PackInstall, PackInstaller } from '../shared/packs-api';
import { findPackFile, installPack, readPack, shippedPacksFolder } from './pack-install';

export interface PackInstallerOptions {
  /** The hub's installed pack file (the data folder's challenge/pack.json). */
  dest: string;
  /**
   * Where calibration's working files go (its job file holds the held-out prompts and references): a folder inside the
   * data folder, as the hub's jobs use, never the system temp folder another local program could read.
   */
  workDir: string;
  /** Where generated models go (the data folder's models/). */
  modelsDir: string;
  /** The Hugging Face endpoint downloads go to (default: $HF_ENDPOINT, else https://huggingface.co). */
  hubUrl?: string;
  cacheDir?: string;
  /** Read when a download needs it (a gated model): the token reaches the Hub's requests only. */
  accessToken?: () => string | null | undefined;
}

const IDLE: PackInstall = {
  state: 'idle',
  pack: null,
  step: null,
  download: null,
  error: null,
  started_at: null,
  ended_at: null,
};

/** The shipped packs, each read once per call (a handful of small files). */
function shippedPacks(installedPackId: string | null): ShippedPack[] {
  let folder: string;
  try {
    folder = shippedPacksFolder();
  } catch {
    return [];
  }
  const packs: ShippedPack[] = [];
  for (const name of readdirSync(folder)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    try {
      const pack = readPack(join(folder, name));
      const models = Object.entries(pack.models).map(([modelName, model]) => {
        const src = model.source;
        return {
          name: modelName,
          role: model.role,
          source: 'generated' in src ? ('generated' as const) : 'hf' in src ? ('hf' as const) : ('path' as const),
          repo: 'hf' in src ? src.hf.repo : null,
          file: 'hf' in src ? src.hf.file : null,
        };
      });
      packs.push({
        id: pack.id,
        title: pack.title,
        description: pack.description,
        goal: pack.goal ?? null,
        models,
        downloads: models.some((m) => m.source === 'hf'),
        installed: pack.id === installedPackId,
      });
    } catch {
      // A pack that does not read is not offered; `challenge install` says why.
    }
  }
  // The demo first: it needs nothing from the network.
  return packs.sort((a, b) => Number(a.downloads) - Number(b.downloads));
}

export function createPackInstaller(o: PackInstallerOptions): PackInstaller {
  let current: PackInstall = IDLE;
  let controller: AbortController | null = null;
  let running: Promise<void> | null = null;

  return {
    shipped: shippedPacks,
    status: () => current,
    install(packId, onChange, holdMachine) {
      if (current.state === 'installing')
        throw Object.assign(new Error(`the ${current.pack} pack is being installed: wait for it, or cancel it`), {
          code: 'INSTALL_BUSY',
        });
      const file = findPackFile(packId);
      const set = (next: Partial<PackInstall>): void => {
        current = { ...current, ...next };
        onChange(current);
      };
      controller = new AbortController();
      const signal = controller.signal;
      current = { ...IDLE, state: 'installing', pack: packId, step: 'starting', started_at: new Date().toISOString() };
      const token = o.accessToken?.() ?? null;
      running = installPack(file, {
        dest: o.dest,
        modelsDir: o.modelsDir,
        hubUrl: (o.hubUrl ?? process.env['HF_ENDPOINT'] ?? 'https://huggingface.co').replace(/\/+$/, ''),
        ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
        ...(token ? { accessToken: token } : {}),
        signal,
        bench: { workDir: o.workDir },
        ...(holdMachine ? { holdMachine: (work) => holdMachine(`pack-install-${packId}`, work, signal) } : {}),
        log: (line) => set({ step: line }),
        onDownload: (model, p) =>
          set({ step: `downloading ${model}`, download: { model, bytes: p.bytes, total: p.total } }),
      }).then(
        () => set({ state: 'installed', step: null, download: null, ended_at: new Date().toISOString() }),
        (err: unknown) =>
          set({
            state: signal.aborted ? 'cancelled' : 'failed',
            step: null,
            error: signal.aborted ? null : (err as Error).message,
            ended_at: new Date().toISOString(),
          }),
      );
      return current;
    },
    cancel() {
      if (current.state === 'installing') controller?.abort();
      return current;
    },
    async close() {
      controller?.abort();
      await running;
    },
  };
}
