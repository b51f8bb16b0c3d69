// A real record for unit tests of the hub's domain modules: a Hub (SQLite, migrations, write path) in a temp folder, no server.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ChallengePack, InstalledPack, JobRunOutput, PackGate, SplitFigures } from '../../../src/shared/challenge';
import type { HubConfig } from '../../../src/shared/config';
import { HELD_OUT_FOLDER } from '../../../src/shared/held-out-set';
import { renderMarkdown } from '../../../src/shared/record-format';
import { Hub } from '../../../src/hub/hub';
import type { Caller } from '../../../src/hub/identity';

export interface TestRecord {
  hub: Hub;
  /** Moves the record's clock (every stamp, quota window and verdict time reads it). */
  advance(ms: number): void;
  close(): void;
}

/** Limits loose enough that a test meets a rate limit only when it sets one. */
const RELAXED: Partial<HubConfig['limits']> = {
  raw_messages_per_minute: 10_000,
  raw_messages_per_hour: 100_000,
  writes_burst: 10_000,
  writes_per_minute: 10_000,
};

const START = Date.parse('2026-03-01T12:00:00Z');

export function openRecord(config: Partial<HubConfig> = {}): TestRecord {
  const dataDir = mkdtempSync(join(tmpdir(), 'collab-desk-unit-'));
  let now = START;
  const hub = new Hub({
    dataDir,
    config: { ...config, limits: { ...RELAXED, ...config.limits } as HubConfig['limits'] },
    clock: () => now,
  });
  return {
    hub,
    advance: (ms) => (now += ms),
    close() {
      hub.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Registers an agent straight in the record (as the register route's write does) and returns it as a caller. */
export async function addAgent(hub: Hub, id: string): Promise<Caller & { kind: 'agent' }> {
  await hub.write(() => {
    hub.agents.insert({
      agent_id: id,
      filename: `${id}.md`,
      model: 'm',
      harness: 'h',
      tools: '[]',
      bio: '',
      token_hash: `hash-${id}`,
      registered_at: hub.now(),
    });
    return { result: null, effect: { actor: id, action: 'agent.registered', target: id } };
  });
  return { kind: 'agent', handle: id, agent: hub.agents.get(id)! };
}

export const organizerOf = (hub: Hub): Caller => ({ kind: 'organizer', handle: hub.organizerHandle });

export async function addChannel(hub: Hub, name: string, creator: string): Promise<void> {
  await hub.write(() => {
    hub.channels.insert({
      name,
      creator,
      via: 'raw',
      theme_frontmatter: '{}',
      theme_body: `# ${name}`,
      created_at: hub.now(),
    });
    hub.channels.subscribe(name, creator, 'raw', hub.now());
    return { result: null, effect: { actor: creator, action: 'channel.created', target: name } };
  });
}

/** A result's markdown with the default required frontmatter, overridden by `fields`. */
export function resultText(fields: Record<string, unknown> = {}): string {
  return renderMarkdown(
    { tps: 100, ppl: 2.3, method: 'plain decode', status: 'agent-run', description: 'a run', ...fields },
    'How it was measured.',
  );
}

/**
 * Installs a challenge pack as `challenge init` leaves it (pack.json, its held-out set, model files on disk), with
 * empty model files: nothing here runs them.
 */
export function installPack(hub: Hub, gate: Partial<PackGate> = {}): InstalledPack {
  const file = hub.layout.challengePack;
  const folder = dirname(file);
  mkdirSync(join(folder, HELD_OUT_FOLDER), { recursive: true });
  const modelPaths = { target: join(folder, 'target.gguf'), draft: join(folder, 'draft.gguf') };
  for (const path of Object.values(modelPaths)) writeFileSync(path, '');
  const pack: ChallengePack = {
    id: 'tiny',
    title: 'Tiny',
    description: 'for unit tests',
    models: {
      target: { role: 'target', description: 'target', source: { path: modelPaths.target } },
      draft: { role: 'draft', description: 'draft', source: { path: modelPaths.draft } },
    },
    baseline: { target: 'target' },
    defaults: { ctx_size: 512 },
    prompts: [
      { id: 'p1', split: 'public', text: 'The quick brown fox' },
      { id: 'p2', split: 'public', text: 'Once upon a time' },
    ],
    references: [],
    calibration: { prompts: ['A story'], tokens: 12 },
    probe: [],
    gate: {
      ppl_cap_ratio: 1.05,
      tokens: 24,
      warmup: 0,
      repeats: 4,
      max_repeats: 4,
      noise_target: 1,
      max_other_cpu: 1,
      identity_required: true,
      verify_tolerance: 0.05,
      probe_tokens: 2,
      job_timeout_s: 300,
      ...gate,
    },
    private_prompts: { description: 'held out', references: false },
  } as ChallengePack;
  const setFile = `${HELD_OUT_FOLDER}/tiny.json`;
  writeFileSync(
    join(folder, setFile),
    JSON.stringify({
      pack: 'tiny',
      source: 'organizer',
      drawn_at: '2026-03-01',
      prompts: [{ id: 's1', text: 'A private prompt' }],
      references: [],
    }),
  );
  writeFileSync(
    file,
    JSON.stringify({
      ...pack,
      installed_at: new Date(hub.now()).toISOString(),
      model_paths: modelPaths,
      private_set: setFile,
    }),
  );
  return hub.challenge.require();
}

const split = (tps: number, plain: number | null): SplitFigures => ({
  prompts: 2,
  tps,
  tps_ci: [tps * 0.99, tps * 1.01],
  tps_per_repeat: [tps * 0.99, tps, tps * 1.01, tps],
  plain_tps: plain,
  plain_tps_ci: plain === null ? null : [plain * 0.99, plain * 1.01],
  plain_tps_per_repeat: plain === null ? [] : [plain * 0.99, plain, plain * 1.01, plain],
  speedup: plain === null ? 1 : tps / plain,
  speedup_ci: plain === null ? [1, 1] : [(tps / plain) * 0.99, (tps / plain) * 1.01],
  speedup_per_repeat:
    plain === null ? [1, 1, 1, 1] : [(tps / plain) * 0.99, tps / plain, (tps / plain) * 1.01, tps / plain],
});

/** What the bench engine reports for a run at `tps` (its plain target at `plain`; null for a plain config), on a quiet machine. */
export function runOutput(tps: number, plain: number | null, extra: Partial<JobRunOutput> = {}): JobRunOutput {
  const figures = split(tps, plain);
  return {
    ...figures,
    tps_stdev: tps * 0.01,
    repeats: 4,
    ppl: 2.3,
    ppl_tokens: 24,
    acceptance: plain === null ? null : 0.7,
    acceptance_per_position: [],
    mean_accepted_per_step: null,
    tokens_per_step: 1,
    identical: plain === null ? null : true,
    divergence_rate: plain === null ? null : 0,
    costs: null,
    backend: 'cpu',
    engine: 'native',
    hardware: 'Test CPU (cpu)',
    machine: {
      cores: 2,
      load_before: 0,
      load_after: 0,
      other_cpu_before: 0,
      other_cpu_during: 0,
      other_cpu_peak: 0,
      gpu: null,
    },
    splits: { public: figures, private: split(tps, plain) },
    probe: null,
    provenance: {},
    ...extra,
  };
}
