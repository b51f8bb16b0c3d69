// Which GGUF model files are on this machine (the Hugging Face cache, the data folder's models/, files the pack or
// the agents name elsewhere) and who uses each: the listing every read and delete of the model library starts from.
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ExtraModelUse, InstalledModel, ModelUse } from '../shared/models';
import type { InstalledPack } from '../shared/challenge';
import { BrainCache } from './model-brain';
import { scanCache, type CachedModel } from './hf-cache';
import { GGUF, isInside, realOrNull, walk } from './model-files';
import { readInstalledPack } from './pack-install';

/** Where the model files are looked for, and who may be using them. */
export interface ModelSources {
  /** The Hugging Face cache. */
  cacheDir: string;
  /** The data folder's models/ (the generated demo models). */
  modelsDir: string;
  /** The installed challenge pack's file. */
  packFile: string;
  /** The GGUF chat model local agents think with, if any. */
  agentModel?: (() => string | null) | undefined;
  /** Headers already read (whether each model can be an agent's brain), kept across listings. */
  brains?: BrainCache;
}

export interface Scan {
  installed: InstalledModel[];
  /** Per installed model id: the cached snapshots behind it (for a delete). */
  cached: Map<string, CachedModel>;
  pack: InstalledPack | null;
  /** Bytes of downloads that stopped part-way (blobs/*.incomplete), kept for a resume. */
  partialBytes: number;
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

/** Ids are stable across listings (a delete names one from an earlier list) and say nothing about the path. */
function modelId(key: string): string {
  return `m${createHash('sha256').update(key).digest('hex').slice(0, 15)}`;
}

export async function scanModels(sources: ModelSources, extraUses: ExtraModelUse[]): Promise<Scan> {
  const pack = readInstalledPack(sources.packFile);
  const agentModel = sources.agentModel?.() ?? null;
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
  if (agentModel)
    await addUse(agentModel, {
      kind: 'agents',
      label: "local agents' model",
      warning:
        'Local agents think with it: spawning local agents fails until it is back, or until they are given another model.',
    });
  for (const { path, kind, label, warning } of extraUses) await addUse(path, { kind, label, warning });

  const installed: InstalledModel[] = [];
  const cached = new Map<string, CachedModel>();
  const listed = new Set<string>();
  const { files, partialBytes } = await scanCache(sources.cacheDir);
  for (const entry of files.values()) {
    const f: FoundFile = { source: 'hf', ...entry.preferred };
    const id = modelId(`hf:${f.repo}:${f.file}`);
    const reals = [...new Set(entry.snapshots.map((s) => s.real))];
    const bytes = entry.snapshots
      .filter((s, i, all) => all.findIndex((o) => o.real === s.real) === i)
      .reduce((sum, s) => sum + s.bytes, 0);
    const used = reals.flatMap((r) => uses.get(r) ?? []);
    reals.forEach((r) => listed.add(r));
    const owned = entry.snapshots.every((s) => s.owned);
    installed.push(
      installedModel(
        id,
        f,
        bytes,
        used,
        owned
          ? null
          : 'its snapshot links to a file outside the Hugging Face cache: Collab Desk deletes only what is inside it',
      ),
    );
    cached.set(id, entry);
  }

  const modelsReal = await realOrNull(sources.modelsDir);
  if (modelsReal) {
    for (const rel of await walk(modelsReal)) {
      if (!GGUF.test(rel)) continue;
      const path = join(sources.modelsDir, ...rel.split('/'));
      const real = await realOrNull(path);
      const st = real ? await stat(real).catch(() => null) : null;
      if (!real || !st?.isFile() || listed.has(real)) continue;
      listed.add(real);
      const found = localFile('generated', path, real, st, isInside(real, modelsReal));
      installed.push(
        installedModel(
          modelId(`models:${rel}`),
          found,
          st.size,
          uses.get(real) ?? [],
          found.owned ? null : 'it links to a file outside the data folder',
        ),
      );
    }
  }

  // Files the pack or the agents use that live elsewhere: shown (they count), never deleted.
  const elsewhere = [
    ...Object.values(pack?.model_paths ?? {}),
    ...(agentModel ? [agentModel] : []),
    ...extraUses.map((u) => u.path),
  ];
  for (const path of elsewhere) {
    const real = await realOrNull(path);
    const st = real ? await stat(real).catch(() => null) : null;
    if (!real || !st?.isFile() || listed.has(real)) continue;
    listed.add(real);
    const found = localFile('file', path, real, st, false);
    installed.push(
      installedModel(
        modelId(`file:${real}`),
        found,
        st.size,
        uses.get(real) ?? [],
        'a file of your own, outside the Hugging Face cache and the data folder: Collab Desk never deletes it',
      ),
    );
  }
  const brains = sources.brains ?? new BrainCache();
  for (const m of installed) m.brain = await brains.brain(m.path);
  installed.sort((a, b) => b.used_by.length - a.used_by.length || a.name.localeCompare(b.name));
  return { installed, cached, pack, partialBytes };
}

/** A model file outside the Hugging Face cache (a generated model, or one the pack or an agent names). */
function localFile(
  source: 'generated' | 'file',
  path: string,
  real: string,
  st: { size: number; mtimeMs: number },
  owned: boolean,
): FoundFile {
  return { source, repo: null, file: null, commit: null, path, real, bytes: st.size, mtimeMs: st.mtimeMs, owned };
}

function installedModel(id: string, f: FoundFile, bytes: number, uses: Use[], locked: string | null): InstalledModel {
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
    // read after the scan (model-brain.ts): one header per file version
    brain: { ok: false, why: 'not read yet', architecture: null, chat_format: null },
  };
}
