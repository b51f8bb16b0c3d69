// The installed challenge pack as the hub sees it: loaded from the data folder with its held-out set, re-read when `challenge init` replaces it.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Value } from 'typebox/value';
import { ChallengePack, type InstalledPack, type PublicPack } from '../shared/challenge';
import { isHeldOutSetFile, parseHeldOutSet } from '../shared/held-out-set';
import type { HubConfig } from '../shared/config';
import { HubError } from './hub-error';
import { defaultHubConfig } from './hub-config';

export class ChallengeState {
  private cached: { mtimeMs: number; size: number; pack: InstalledPack | null; error: string | null } | null = null;

  constructor(private readonly file: string) {}

  /** The pack, or null when none is installed; a broken file is reported, never half-used. */
  get(): InstalledPack | null {
    let st;
    try {
      st = statSync(this.file);
    } catch {
      this.cached = null;
      return null;
    }
    if (!this.cached || this.cached.mtimeMs !== st.mtimeMs || this.cached.size !== st.size) {
      let loaded = load(this.file);
      // `challenge init` removes the set it replaced just after renaming the new pack.json into place: a read that fell
      // between the two finds the old set gone, and the new pack.json names the new one.
      if (loaded.missingSet) {
        st = statSync(this.file, { throwIfNoEntry: false }) ?? st;
        loaded = load(this.file);
      }
      this.cached = { mtimeMs: st.mtimeMs, size: st.size, pack: loaded.pack, error: loaded.error };
    }
    if (this.cached.error)
      throw new HubError('NO_CHALLENGE', this.cached.error, 'run `collab-desk challenge init demo` (or gemma) again');
    return this.cached.pack;
  }

  require(): InstalledPack {
    const pack = this.get();
    if (!pack)
      throw new HubError(
        'NO_CHALLENGE',
        'no challenge pack is installed on this hub',
        'the organizer runs `collab-desk challenge init demo` (or gemma)',
      );
    return pack;
  }
}

const DEFAULT_GOAL = defaultHubConfig().goal;

/**
 * The goal agents and people read: the organizer's own (config.json's goal, when changed from the default), else the
 * installed pack's, so a hub running the demo pack does not announce the gemma challenge.
 */
export function hubGoal(hub: { readonly config: HubConfig; readonly challenge: ChallengeState }): string {
  if (hub.config.goal !== DEFAULT_GOAL) return hub.config.goal;
  let pack: InstalledPack | null = null;
  try {
    pack = hub.challenge.get();
  } catch {
    // A broken pack file: its refusal belongs to the challenge routes, and the default goal still reads.
  }
  // A pack installed before packs had a goal: its description says what it is about.
  return pack?.goal ?? (pack?.description || hub.config.goal);
}

/**
 * pack.json (public prompts, models, gate) and the held-out set it names (private prompts and their references), merged
 * into the one pack the job queue measures with. Only the hub reads the set: no route returns more than its count.
 */
function load(file: string): { pack: InstalledPack | null; error: string | null; missingSet?: boolean } {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { pack: null, error: `the installed pack ${file} cannot be read: ${(err as Error).message}` };
  }
  const { installed_at, model_paths, private_set, ...pack } = data as InstalledPack;
  const filled = Value.Default(ChallengePack, pack);
  const first = [...Value.Errors(ChallengePack, filled)][0];
  if (first)
    return {
      pack: null,
      error: `the installed pack ${file} is invalid at ${first.instancePath || '/'}: ${first.message}`,
    };
  if (typeof model_paths !== 'object' || model_paths === null)
    return { pack: null, error: `the installed pack ${file} lists no model files` };
  const publicPart = filled as ChallengePack;
  // Installed before held-out sets: its private prompts are the ones published with the pack, held out from no one.
  if (publicPart.prompts.some((p) => p.split === 'private')) {
    return {
      pack: null,
      error: `the installed ${publicPart.id} pack (${file}) carries its private prompts itself, as packs installed by older versions did, so they are the published ones: run \`collab-desk challenge init ${publicPart.id}\` again for a held-out set`,
    };
  }
  if (!isHeldOutSetFile(private_set))
    return { pack: null, error: `the installed pack ${file} names no held-out set of private prompts` };
  const setFile = join(dirname(file), private_set);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(setFile, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      pack: null,
      error: `the private prompts of the installed pack (${setFile}) cannot be read: ${code ?? 'not valid JSON'}`,
      missingSet: code === 'ENOENT',
    };
  }
  const { set: held, problem } = parseHeldOutSet(raw);
  if (!held) return { pack: null, error: `the private prompts of the installed pack (${setFile}) are ${problem}` };
  if (held.pack !== publicPart.id)
    return {
      pack: null,
      error: `the private prompts ${setFile} belong to the ${held.pack} pack, not to the installed ${publicPart.id}`,
    };
  return {
    pack: {
      ...publicPart,
      prompts: [
        ...publicPart.prompts,
        ...held.prompts.map((p) => ({ id: p.id, split: 'private' as const, text: p.text })),
      ],
      references: [...publicPart.references, ...held.references],
      installed_at: String(installed_at),
      model_paths,
      private_set,
    },
    error: null,
  };
}

export function publicPack(pack: InstalledPack): PublicPack {
  return {
    id: pack.id,
    title: pack.title,
    description: pack.description,
    models: Object.fromEntries(
      Object.entries(pack.models).map(([name, m]) => [name, { role: m.role, description: m.description ?? '' }]),
    ),
    baseline: pack.baseline,
    defaults: pack.defaults,
    prompts: {
      public: pack.prompts.filter((p) => p.split === 'public').map((p) => ({ id: p.id, text: p.text })),
      private_count: pack.prompts.filter((p) => p.split === 'private').length,
    },
    references: pack.references.length,
    probe_questions: pack.probe.length,
    gate: pack.gate,
    installed_at: pack.installed_at,
  };
}

/** A first job an agent can submit as is: the pack's first target with its first draft model (placeholders without a pack). */
export function exampleJobConfig(pack: InstalledPack | null): Record<string, unknown> {
  const models = pack ? Object.entries(pack.models) : [];
  const target = models.find(([, m]) => m.role === 'target')?.[0] ?? pack?.baseline.target ?? '<target model>';
  const draft = pack ? models.find(([, m]) => m.role === 'draft')?.[0] : '<draft model>';
  return draft ? { target, draft, spec_type: 'draft', draft_n_max: 6 } : { target, spec_type: 'none' };
}
