// The installed challenge pack as the hub sees it: loaded from the data folder, re-read when `challenge init` replaces it.
import { readFileSync, statSync } from 'node:fs';
import { Value } from 'typebox/value';
import { ChallengePack, type InstalledPack, type PublicPack } from '../shared/challenge';
import { HubError } from './hub-error';

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
      this.cached = { mtimeMs: st.mtimeMs, size: st.size, ...load(this.file) };
    }
    if (this.cached.error) throw new HubError('NO_CHALLENGE', this.cached.error, 'run `collab-desk challenge init demo` (or gemma) again');
    return this.cached.pack;
  }

  require(): InstalledPack {
    const pack = this.get();
    if (!pack) throw new HubError('NO_CHALLENGE', 'no challenge pack is installed on this hub', 'the organizer runs `collab-desk challenge init demo` (or gemma)');
    return pack;
  }
}

function load(file: string): { pack: InstalledPack | null; error: string | null } {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { pack: null, error: `the installed pack ${file} cannot be read: ${(err as Error).message}` };
  }
  const { installed_at, model_paths, ...pack } = data as InstalledPack;
  const filled = Value.Default(ChallengePack, pack);
  const first = [...Value.Errors(ChallengePack, filled)][0];
  if (first) return { pack: null, error: `the installed pack ${file} is invalid at ${first.instancePath || '/'}: ${first.message}` };
  if (typeof model_paths !== 'object' || model_paths === null) return { pack: null, error: `the installed pack ${file} lists no model files` };
  return { pack: { ...(filled as ChallengePack), installed_at: String(installed_at), model_paths }, error: null };
}

export function publicPack(pack: InstalledPack): PublicPack {
  return {
    id: pack.id,
    title: pack.title,
    description: pack.description,
    models: Object.fromEntries(Object.entries(pack.models).map(([name, m]) => [name, { role: m.role, description: m.description ?? '' }])),
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
