// Installing a challenge pack: validate it, put every model file on this machine, calibrate references, obtain its held-out set, write it for the hub.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from 'typebox/value';
import { HELD_OUT_FOLDER } from '../shared/held-out-set';
import {
  ChallengePack,
  type HeldOutSet,
  type InstalledPack,
  type PackModel,
  type PackReference,
} from '../shared/challenge';
import { checkRunConfig } from '../shared/run-config-check';
import { BenchError } from './bench-error';
import { calibrateReferences } from './calibration';
import { checkModelFile, generateTexts, type BenchInput, type BenchOptions } from './engine';
import { writeGemma4Pair } from './gguf/tiny-gemma4';
import { makeModelFamily, type FamilyOptions } from './gguf/tiny-llama';
import { findHeldOutSet, removeSuperseded, writeHeldOutSet, writePrivateFile } from './held-out-store';
import { ModelDownloadError } from './model-download-error';
import {
  architectureProblem,
  checkHubSource,
  fileArchitecture,
  firstDownloadRecordFile,
  hubPackModel,
  preflightPackModel,
  pullPackModel,
  recordHashes,
  type FirstDownloadHash,
  type HubPackModel,
} from './pack-model-pins';
import {
  checkGenerator,
  checkPrivatePrompts,
  drawPrivatePrompts,
  readPrivatePromptsFile,
  type PrivatePrompt,
} from './private-prompts';

/** The demo challenge's models: random weights, but real llama.cpp files, small enough for any CPU. */
export const DEMO_FAMILY: FamilyOptions = {
  seed: 2026,
  layers: 6,
  embd: 256,
  heads: 8,
  kvHeads: 4,
  ff: 768,
  ctx: 16384,
  dropLayers: 2,
};

/** The packs shipped in resources/packs (found beside the source tree and beside the CLI bundle). */
export function shippedPacksFolder(): string {
  for (const rel of ['../../resources/packs', '../resources/packs', './resources/packs']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new BenchError(
    'INVALID_CONFIG',
    'the shipped challenge packs (resources/packs) are missing from this installation',
  );
}

/** A shipped pack by name (`demo`, `gemma`), or a pack file by path. */
export function findPackFile(nameOrPath: string): string {
  if (/^[a-z0-9-]+$/.test(nameOrPath)) {
    const file = join(shippedPacksFolder(), `${nameOrPath}.json`);
    if (existsSync(file)) return file;
    if (!existsSync(nameOrPath))
      throw new BenchError(
        'INVALID_CONFIG',
        `no shipped pack "${nameOrPath}"; shipped: ${shippedPackNames().join(', ')} (or give the path of a pack .json file)`,
      );
  }
  const file = resolve(nameOrPath);
  if (!existsSync(file)) throw new BenchError('INVALID_CONFIG', `no pack file ${file}`);
  return file;
}

function shippedPackNames(): string[] {
  return readdirSync(shippedPacksFolder())
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * Reads and checks a pack; every refusal names the field. A pack file is public (shipped in the repository, readable
 * by any agent), so it holds no private prompt: it says how the held-out set is obtained at init instead, and that
 * set is the answer to overfitting.
 */
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
  if (!pack.prompts.some((p) => p.split === 'public'))
    throw new BenchError('INVALID_CONFIG', `${file}: no public prompt: agents need some prompts they can see`);
  const inline = pack.prompts.find((p) => p.split === 'private');
  if (inline) {
    throw new BenchError(
      'INVALID_CONFIG',
      `${file}: prompt "${inline.id}" is private, but a pack file is public: move the private prompts to a file of their own and give it with --private-prompts <file>, or declare private_prompts.families to draw them from at init`,
    );
  }
  if (!pack.private_prompts) {
    throw new BenchError(
      'INVALID_CONFIG',
      `${file}: no private_prompts: verification re-runs claims on held-out prompts; declare families to draw them from at init, or {} and give them with --private-prompts <file>`,
    );
  }
  checkGenerator(pack, file);
  for (const [name, model] of Object.entries(pack.models))
    if ('hf' in model.source) checkHubSource(name, model.source.hf, file);
  const base = pack.models[pack.baseline.target];
  if (!base || base.role !== 'target')
    throw new BenchError(
      'INVALID_CONFIG',
      `${file}: baseline.target "${pack.baseline.target}" is not a target model of the pack`,
    );
  for (const item of pack.probe) {
    const last = String.fromCharCode(64 + item.choices.length);
    if (item.answer > last)
      throw new BenchError(
        'INVALID_CONFIG',
        `${file}: probe "${item.id}" answers ${item.answer} but has choices A-${last}`,
      );
  }
  if (pack.references.length === 0 && !pack.calibration)
    throw new BenchError(
      'INVALID_CONFIG',
      `${file}: give references, or calibration prompts for the baseline to write them`,
    );
  const defaults = checkRunConfig({ target: 'x', ...pack.defaults });
  if (defaults.error !== null) throw new BenchError('INVALID_CONFIG', `${file}: defaults: ${defaults.error}`);
  return pack;
}

/** A Hub model named by a shipped pack (e.g. `gemma-4-e4b-q4`), for `models pull <name>`; the list of names otherwise. */
export function findPackModel(name: string): HubPackModel | { known: string[] } {
  const known: string[] = [];
  const folder = shippedPacksFolder();
  for (const entry of readdirSync(folder)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const pack = readPack(join(folder, entry));
    for (const [model, m] of Object.entries(pack.models)) {
      const hub = hubPackModel(pack.id, model, m);
      if (!hub) continue;
      if (model === name) return hub;
      known.push(model);
    }
  }
  return { known };
}

export interface InstallOptions {
  /** Where the hub reads the installed pack (the data folder's challenge/pack.json); the held-out set goes beside it. */
  dest: string;
  /** Where generated models go (the data folder's models/), and the record of hashes taken at first download. */
  modelsDir: string;
  hubUrl?: string;
  cacheDir?: string;
  accessToken?: string;
  /** The organizer's private prompts, a JSON array or JSON lines of {id, text}: they replace the pack's drawn set. */
  privatePrompts?: string;
  /** Replace the pack's installed private prompts (drawn again, or from `privatePrompts`) instead of keeping them. */
  redrawPrivate?: boolean;
  log?: (line: string) => void;
  onDownload?: (name: string, p: { bytes: number; total: number | null; rate: number; eta_s: number | null }) => void;
  bench?: BenchOptions;
  signal?: AbortSignal;
  /**
   * Runs the calibration holding the machine (the hub's GPU lease), so the swarm's inference does not decode while it
   * measures, nor fight it for GPU memory. Without it (the CLI, no hub here) the calibration runs as it is.
   */
  holdMachine?: <T>(work: () => Promise<T>) => Promise<T>;
}

/** What `challenge init` says about the held-out set it left: counts and provenance, never a text. */
export interface HeldOutSummary {
  source: HeldOutSet['source'];
  prompts: number;
  references: number;
  drawn_at: string;
  /** The set installed before was kept (an init never redraws it unless asked). */
  kept: boolean;
  /** The folder that holds it, which only the hub reads. */
  folder: string;
}

export interface InstallResult extends InstalledPack {
  held_out: HeldOutSummary;
}

async function modelPath(
  pack: string,
  name: string,
  model: PackModel,
  packDir: string,
  o: InstallOptions,
  records: Array<{ hf: HubPackModel['model']['source']['hf']; hash: FirstDownloadHash }>,
): Promise<string> {
  const src = model.source;
  if ('generated' in src) {
    const path = join(o.modelsDir, src.generated);
    if (!existsSync(path)) {
      o.log?.(`generating the demo models in ${join(o.modelsDir, 'demo')}`);
      await makeModelFamily(join(o.modelsDir, 'demo'), DEMO_FAMILY);
      await writeGemma4Pair(join(o.modelsDir, 'demo', 'gemma4'));
    }
    if (!existsSync(path))
      throw new BenchError('MODEL_MISSING', `model ${name}: the demo models have no ${src.generated}`);
    return path;
  }
  if ('path' in src) return isAbsolute(src.path) ? src.path : resolve(packDir, src.path);
  const hub = hubPackModel(pack, name, model)!;
  o.log?.(`model ${name}: ${src.hf.repo}/${src.hf.file}`);
  const pulled = await pullPackModel(hub, { ...pullOptions(o), onProgress: (p) => o.onDownload?.(name, p) });
  if (pulled.record) records.push({ hf: hub.model.source.hf, hash: pulled.record });
  return pulled.path;
}

function pullOptions(o: InstallOptions) {
  return {
    recordFile: firstDownloadRecordFile(o.modelsDir),
    acceptHint: (model: string) =>
      `collab-desk models pull ${model} --accept-new-hash --data ${dirname(o.modelsDir)}, then install the pack again`,
    ...(o.hubUrl ? { hubUrl: o.hubUrl } : {}),
    ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
    ...(o.accessToken ? { accessToken: o.accessToken } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };
}

/**
 * Puts every model file on this machine, each held to its pin and of the architecture the pack declares. The Hub is
 * asked first about every file (announced sha256, architecture in its first bytes), so a wrong file is refused before
 * gigabytes of the others are downloaded; hashes taken at first download are recorded only once every file passed.
 */
async function installModels(
  pack: ChallengePack,
  packFile: string,
  o: InstallOptions,
): Promise<Record<string, string>> {
  const hubModels = Object.entries(pack.models).flatMap(([name, m]) => hubPackModel(pack.id, name, m) ?? []);
  for (const hub of hubModels) await preflightPackModel(hub, pullOptions(o));
  const records: Array<{ hf: HubPackModel['model']['source']['hf']; hash: FirstDownloadHash }> = [];
  const model_paths: Record<string, string> = {};
  for (const [name, model] of Object.entries(pack.models)) {
    const path = await modelPath(pack.id, name, model, dirname(packFile), o, records);
    checkModelFile(path, `${name}`);
    if (!('hf' in model.source)) {
      const problem = architectureProblem(
        { pack: pack.id, name, model },
        model.architecture ? fileArchitecture(path, name) : null,
      );
      if (problem) throw problem;
    }
    model_paths[name] = path;
  }
  recordHashes(firstDownloadRecordFile(o.modelsDir), records);
  return model_paths;
}

export async function installPack(packFile: string, o: InstallOptions): Promise<InstallResult> {
  const pack = readPack(packFile);
  // Decided (and the organizer's file checked) before anything is downloaded or written: a refusal leaves nothing.
  const plan = planHeldOutSet(pack, o);
  let model_paths: Record<string, string>;
  try {
    model_paths = await installModels(pack, packFile, o);
  } catch (err) {
    // A wrong file stops the install before the pack is written: the installed pack (if any) is untouched.
    if (err instanceof BenchError || (err instanceof ModelDownloadError && err.code === 'HASH_MISMATCH'))
      err.message += `; the ${pack.id} pack was not installed`;
    throw err;
  }
  const bench = { ...o.bench, ...(o.signal ? { signal: o.signal } : {}) };
  const baseline = { ...pack.defaults, target: model_paths[pack.baseline.target]!, spec_type: 'none' as const };
  const calibrate = async () => {
    let references = pack.references;
    if (references.length === 0 && pack.calibration) {
      o.log?.(
        `calibrating: the baseline (${pack.baseline.target}) writes ${pack.calibration.prompts.length} reference completions of ${pack.calibration.tokens} tokens`,
      );
      references = await calibrateReferences(baseline, pack.calibration.prompts, pack.calibration.tokens, bench);
    }
    let privateReferences: PackReference[] = [];
    if (pack.private_prompts?.references !== false && pack.calibration) {
      o.log?.(
        `calibrating: the baseline writes references on the ${plan.prompts.length} private prompts (${pack.calibration.tokens} tokens each)`,
      );
      privateReferences = await heldOutReferences(baseline, plan.prompts, pack.calibration.tokens, bench, o.log);
    }
    return { references, privateReferences };
  };
  // Only the calibration holds the machine: the downloads before it measure nothing.
  const needsMachine = pack.calibration !== undefined;
  if (needsMachine && o.holdMachine)
    o.log?.('calibrating: taking the GPU lease (local inference pauses while the calibration measures)');
  const { references, privateReferences } =
    needsMachine && o.holdMachine ? await o.holdMachine(calibrate) : await calibrate();

  const challengeDir = dirname(o.dest);
  const set: HeldOutSet = {
    pack: pack.id,
    source: plan.source,
    drawn_at: plan.drawn_at,
    ...(plan.seed ? { seed: plan.seed } : {}),
    prompts: plan.prompts,
    references: privateReferences,
  };
  const private_set = writeHeldOutSet(challengeDir, set);
  const installed: InstalledPack = {
    ...pack,
    references,
    installed_at: new Date().toISOString(),
    model_paths,
    private_set,
  };
  // Written whole then renamed, after the set it names: a hub reading meanwhile sees the old pack (with its own set)
  // or the new one, never half of one, nor a pack with another's private prompts.
  writePrivateFile(o.dest, JSON.stringify(installed, null, 2) + '\n');
  removeSuperseded(challengeDir, pack.id, private_set);
  return {
    ...installed,
    held_out: {
      source: plan.source,
      prompts: plan.prompts.length,
      references: privateReferences.length,
      drawn_at: plan.drawn_at,
      kept: plan.kept,
      folder: join(challengeDir, HELD_OUT_FOLDER),
    },
  };
}

interface HeldOutPlan {
  prompts: PrivatePrompt[];
  source: HeldOutSet['source'];
  seed?: string;
  drawn_at: string;
  kept: boolean;
}

/**
 * The pack's private prompts for this init. An installed set is kept unless the organizer asks for a new one: claims
 * verified on it compare only with re-runs on the same prompts, and a silent redraw would break that. Otherwise they
 * are the organizer's file, or drawn from the pack's families with a fresh secret seed.
 */
function planHeldOutSet(pack: ChallengePack, o: InstallOptions): HeldOutPlan {
  const current = readInstalledPack(o.dest);
  // Asked to replace it, the installed set is not even read: an unreadable one must not block its replacement.
  const existing = o.redrawPrivate
    ? null
    : findHeldOutSet(dirname(o.dest), pack.id, current?.id === pack.id ? current.private_set : undefined);
  const now = new Date().toISOString();
  if (o.privatePrompts) {
    const supplied = readPrivatePromptsFile(o.privatePrompts, pack);
    if (existing) {
      const same =
        existing.set.prompts.length === supplied.length &&
        existing.set.prompts.every((p, i) => p.id === supplied[i]!.id && p.text === supplied[i]!.text);
      if (!same) {
        throw new BenchError(
          'INVALID_CONFIG',
          `the ${pack.id} pack already has ${existing.set.prompts.length} private prompts (${provenance(existing.set)}), and --private-prompts ${o.privatePrompts} differs from them: results verified on the installed ones would no longer compare; add --redraw-private to replace them`,
        );
      }
      return keepSet(existing.set);
    }
    return { prompts: supplied, source: 'organizer', drawn_at: now, kept: false };
  }
  if (existing) {
    try {
      checkPrivatePrompts(existing.set.prompts, pack, `the installed private prompts of the ${pack.id} pack`);
    } catch (err) {
      throw new BenchError('INVALID_CONFIG', `${(err as Error).message}; add --redraw-private to replace them`);
    }
    const declared = pack.private_prompts?.families ? pack.private_prompts.count : undefined;
    if (existing.set.source === 'generated' && declared !== undefined && declared !== existing.set.prompts.length) {
      o.log?.(
        `the ${pack.id} pack now draws ${declared} private prompts; the ${existing.set.prompts.length} installed are kept (--redraw-private draws ${declared})`,
      );
    }
    return keepSet(existing.set);
  }
  if (!pack.private_prompts?.families) {
    throw new BenchError(
      'INVALID_CONFIG',
      `the ${pack.id} pack does not draw its private prompts itself: give them with --private-prompts <file> (a JSON array, or JSON lines, of {"id": "...", "text": "..."})`,
    );
  }
  const seed = randomBytes(32);
  return {
    prompts: drawPrivatePrompts(pack, seed),
    source: 'generated',
    seed: seed.toString('hex'),
    drawn_at: now,
    kept: false,
  };
}

const keepSet = (set: HeldOutSet): HeldOutPlan => ({
  prompts: set.prompts,
  source: set.source,
  ...(set.seed ? { seed: set.seed } : {}),
  drawn_at: set.drawn_at,
  kept: true,
});

function provenance(set: HeldOutSet): string {
  return `${set.source === 'generated' ? 'drawn' : 'supplied by the organizer'} ${set.drawn_at}`;
}

/**
 * The baseline's greedy completions of the private prompts: perplexity references on text no agent has seen, so the
 * PPL gate cannot be passed by tuning on the public references. A prompt whose completion is empty gets none.
 */
async function heldOutReferences(
  config: BenchInput['config'],
  prompts: PrivatePrompt[],
  tokens: number,
  bench: BenchOptions,
  log?: (line: string) => void,
): Promise<PackReference[]> {
  const texts = await generateTexts(
    config,
    prompts.map((p) => p.text),
    tokens,
    bench,
  );
  const references = prompts.flatMap((p, i) =>
    texts[i]!.trim() === '' ? [] : [{ prompt: p.text, reference: texts[i]! }],
  );
  if (references.length < prompts.length)
    log?.(`${prompts.length - references.length} of the private prompts got an empty completion and no reference`);
  return references;
}

/**
 * The installed pack's target, or null: the chat model every machine has once a pack is installed (the demo's
 * generated one, the gemma packs' gemma-4-E4B-it), so a swarm can start with no model chosen. Read at each call: the
 * pack can be installed or replaced while the hub runs.
 */
export function installedPackTarget(packFile: string): string | null {
  const pack = readInstalledPack(packFile);
  return pack ? (pack.model_paths[pack.baseline.target] ?? null) : null;
}

/** The pack `challenge init` wrote into a data folder, or null when there is none (or it cannot be read). */
export function readInstalledPack(packFile: string): InstalledPack | null {
  try {
    return JSON.parse(readFileSync(packFile, 'utf8')) as InstalledPack;
  } catch {
    return null;
  }
}
