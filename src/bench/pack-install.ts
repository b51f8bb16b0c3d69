// Installing a challenge pack: validate it, put every model file on this machine, calibrate references, write it for the hub.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from 'typebox/value';
import { ChallengePack, type InstalledPack, type PackModel } from '../shared/challenge';
import { checkRunConfig } from '../shared/run-config-check';
import { BenchError } from './bench-error';
import { calibrateReferences } from './calibration';
import { checkModelFile, type BenchOptions } from './engine';
import { writeGemma4Pair } from './gguf/tiny-gemma4';
import { makeModelFamily, type FamilyOptions } from './gguf/tiny-llama';
import { pullModel } from './model-download';

/** The demo challenge's models: random weights, but real llama.cpp files, small enough for any CPU. */
export const DEMO_FAMILY: FamilyOptions = { seed: 2026, layers: 6, embd: 256, heads: 8, kvHeads: 4, ff: 768, ctx: 16384, dropLayers: 2 };

/** The packs shipped in resources/packs (found beside the source tree and beside the CLI bundle). */
export function shippedPacksFolder(): string {
  for (const rel of ['../../resources/packs', '../resources/packs', './resources/packs']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new BenchError('INVALID_CONFIG', 'the shipped challenge packs (resources/packs) are missing from this installation');
}

/** A shipped pack by name (`demo`, `gemma`), or a pack file by path. */
export function findPackFile(nameOrPath: string): string {
  if (/^[a-z0-9-]+$/.test(nameOrPath)) {
    const file = join(shippedPacksFolder(), `${nameOrPath}.json`);
    if (existsSync(file)) return file;
    if (!existsSync(nameOrPath)) throw new BenchError('INVALID_CONFIG', `no shipped pack "${nameOrPath}"; shipped: demo, gemma (or give the path of a pack .json file)`);
  }
  const file = resolve(nameOrPath);
  if (!existsSync(file)) throw new BenchError('INVALID_CONFIG', `no pack file ${file}`);
  return file;
}

/** Reads and checks a pack; every refusal names the field. Private prompts must exist: they are the answer to overfitting. */
export function readPack(file: string): ChallengePack {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BenchError('INVALID_CONFIG', `${file} is not valid JSON: ${(err as Error).message}`);
  }
  const filled = Value.Default(ChallengePack, data);
  const errors = [...Value.Errors(ChallengePack, filled)];
  if (errors.length > 0) {
    const e = errors[0]!;
    throw new BenchError('INVALID_CONFIG', `${file}: ${e.instancePath || '/'} ${e.message}`);
  }
  const pack = filled as ChallengePack;
  const ids = new Set<string>();
  for (const p of pack.prompts) {
    if (ids.has(p.id)) throw new BenchError('INVALID_CONFIG', `${file}: prompt id "${p.id}" is used twice`);
    ids.add(p.id);
  }
  if (!pack.prompts.some((p) => p.split === 'public')) throw new BenchError('INVALID_CONFIG', `${file}: no public prompt: agents need some prompts they can see`);
  if (!pack.prompts.some((p) => p.split === 'private')) throw new BenchError('INVALID_CONFIG', `${file}: no private prompt: verification re-runs claims on held-out prompts`);
  const base = pack.models[pack.baseline.target];
  if (!base || base.role !== 'target') throw new BenchError('INVALID_CONFIG', `${file}: baseline.target "${pack.baseline.target}" is not a target model of the pack`);
  for (const item of pack.probe) {
    const last = String.fromCharCode(64 + item.choices.length);
    if (item.answer > last) throw new BenchError('INVALID_CONFIG', `${file}: probe "${item.id}" answers ${item.answer} but has choices A-${last}`);
  }
  if (pack.references.length === 0 && !pack.calibration) throw new BenchError('INVALID_CONFIG', `${file}: give references, or calibration prompts for the baseline to write them`);
  const defaults = checkRunConfig({ target: 'x', ...pack.defaults });
  if (defaults.error !== null) throw new BenchError('INVALID_CONFIG', `${file}: defaults: ${defaults.error}`);
  return pack;
}

/** A Hub model named by a shipped pack (e.g. `gemma-4-e4b-q4`), for `models pull <name>`; the list of names otherwise. */
export function findPackModel(name: string): { pack: string; repo: string; file: string; revision?: string; sha256?: string } | { known: string[] } {
  const known: string[] = [];
  const folder = shippedPacksFolder();
  for (const entry of readdirSync(folder).filter((f) => f.endsWith('.json')).sort()) {
    const pack = readPack(join(folder, entry));
    for (const [model, m] of Object.entries(pack.models)) {
      if (!('hf' in m.source)) continue;
      if (model === name) return { pack: pack.id, ...m.source.hf };
      known.push(model);
    }
  }
  return { known };
}

export interface InstallOptions {
  /** Where the hub reads the installed pack (the data folder's challenge/pack.json). */
  dest: string;
  /** Where generated models go (the data folder's models/). */
  modelsDir: string;
  hubUrl?: string;
  cacheDir?: string;
  accessToken?: string;
  log?: (line: string) => void;
  onDownload?: (name: string, p: { bytes: number; total: number | null; rate: number; eta_s: number | null }) => void;
  bench?: BenchOptions;
  signal?: AbortSignal;
}

async function modelPath(name: string, model: PackModel, packDir: string, o: InstallOptions): Promise<string> {
  const src = model.source;
  if ('generated' in src) {
    const path = join(o.modelsDir, src.generated);
    if (!existsSync(path)) {
      o.log?.(`generating the demo models in ${join(o.modelsDir, 'demo')}`);
      await makeModelFamily(join(o.modelsDir, 'demo'), DEMO_FAMILY);
      await writeGemma4Pair(join(o.modelsDir, 'demo', 'gemma4'));
    }
    if (!existsSync(path)) throw new BenchError('MODEL_MISSING', `model ${name}: the demo models have no ${src.generated}`);
    return path;
  }
  if ('path' in src) return isAbsolute(src.path) ? src.path : resolve(packDir, src.path);
  o.log?.(`model ${name}: ${src.hf.repo}/${src.hf.file}`);
  const pulled = await pullModel(src.hf, {
    ...(o.hubUrl ? { hubUrl: o.hubUrl } : {}),
    ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
    ...(o.accessToken ? { accessToken: o.accessToken } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    onProgress: (p) => o.onDownload?.(name, p),
  });
  return pulled.path;
}

export async function installPack(packFile: string, o: InstallOptions): Promise<InstalledPack> {
  const pack = readPack(packFile);
  const model_paths: Record<string, string> = {};
  for (const [name, model] of Object.entries(pack.models)) {
    const path = await modelPath(name, model, dirname(packFile), o);
    checkModelFile(path, `${name}`);
    model_paths[name] = path;
  }
  let references = pack.references;
  if (references.length === 0 && pack.calibration) {
    o.log?.(`calibrating: the baseline (${pack.baseline.target}) writes ${pack.calibration.prompts.length} reference completions of ${pack.calibration.tokens} tokens`);
    const config = { ...pack.defaults, target: model_paths[pack.baseline.target]!, spec_type: 'none' as const };
    references = await calibrateReferences(config, pack.calibration.prompts, pack.calibration.tokens, { ...o.bench, ...(o.signal ? { signal: o.signal } : {}) });
  }
  const installed: InstalledPack = { ...pack, references, installed_at: new Date().toISOString(), model_paths };
  mkdirSync(dirname(o.dest), { recursive: true });
  // Written whole then renamed: a hub reading it meanwhile sees the old pack or the new one, never half of one.
  const tmp = `${o.dest}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(installed, null, 2) + '\n');
  renameSync(tmp, o.dest);
  return installed;
}

/**
 * The installed demo pack's target, or null: the one chat model every machine has once `challenge init demo` ran,
 * so a swarm can start with no model chosen. Read at each call: the pack can be installed while the hub runs.
 */
export function installedDemoTarget(packFile: string): string | null {
  const pack = readInstalledPack(packFile);
  return pack?.id === 'demo' ? (pack.model_paths[pack.baseline.target] ?? null) : null;
}

/** The pack `challenge init` wrote into a data folder, or null when there is none (or it cannot be read). */
export function readInstalledPack(packFile: string): InstalledPack | null {
  try {
    return JSON.parse(readFileSync(packFile, 'utf8')) as InstalledPack;
  } catch {
    return null;
  }
}
