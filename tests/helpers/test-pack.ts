// A tiny challenge pack for tests: generated models, public prompts, and distinctive private prompts supplied by the organizer, installed into a data folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { installPack } from '../../src/bench/pack-install';
import { makeModelFamily, type FamilyOptions } from '../../src/bench/gguf/tiny-llama';
import type { ChallengePack, PackGate } from '../../src/shared/challenge';
import { dataLayout } from '../../src/platform/data-folder';

/** Private prompts' text: distinctive, so a test can prove no response ever carries it. */
export const PRIVATE_PROMPTS = [
  'Zebra quartz private prompt seventeen about held-out lighthouses',
  'Marmalade cipher private prompt nine on hidden orchards',
];

/** The file of private prompts beside a test pack: what the organizer gives `challenge init --private-prompts`. */
export const privatePromptsFile = (packFile: string): string => join(dirname(packFile), 'private-prompts.jsonl');

export interface TestPack {
  file: string;
  pack: ChallengePack;
  /** The organizer's private prompts (JSON lines of {id, text}), kept out of the pack file as a real pack keeps them. */
  privateFile: string;
}

export async function writeTestPack(
  dir: string,
  gate: Partial<PackGate> = {},
  family: FamilyOptions = { seed: 11 },
): Promise<TestPack> {
  const models = await makeModelFamily(join(dir, 'models'), family);
  const pack: ChallengePack = {
    id: 'tiny',
    title: 'Tiny test challenge',
    description: 'generated models',
    models: {
      target: { role: 'target', description: 'F32 target', source: { path: models.target } },
      'draft-same': { role: 'draft', description: 'the target itself', source: { path: models.target } },
      'draft-q8': { role: 'draft', description: 'Q8_0 copy', source: { path: 'models/draft-q8_0.gguf' } },
    },
    baseline: { target: 'target' },
    // One thread: on a busy test machine a pool of 2 threads on 2 cores crawls (30x slower under load, measured),
    // while one thread only shares its core.
    defaults: { ctx_size: 512, threads: 1 },
    prompts: [
      { id: 'p1', split: 'public', text: 'The quick brown fox jumps over' },
      { id: 'p2', split: 'public', text: 'Once upon a time there was a' },
      { id: 'p3', split: 'public', text: 'In the beginning the hub was empty and' },
    ],
    references: [],
    calibration: { prompts: ['A short story begins', 'The recipe calls for'], tokens: 12 },
    probe: [
      { id: 'q1', question: 'What is 2 + 2?', choices: ['3', '4', '5'], answer: 'B' },
      { id: 'q2', question: 'Which is a color?', choices: ['Red', 'Dog'], answer: 'A' },
    ],
    // Tests share two busy cores: no job is flagged disturbed, and 4 repeats keep a 95% interval off zero unless the
    // runs spread by over 60% (2 would need them within ~11%), unless a test asks for more with its own gate.
    gate: {
      ppl_cap_ratio: 1.05,
      tokens: 24,
      warmup: 0,
      repeats: 4,
      max_repeats: 4,
      noise_target: 1,
      max_other_cpu: 1,
      identity_required: true,
      verify_tolerance: 0.9,
      probe_tokens: 2,
      job_timeout_s: 300,
      ...gate,
    },
    // Supplied by the organizer at init. No references on them: the job tests count the two calibration references
    // (tests/integration/held-out-prompts.test.ts covers references on private prompts).
    private_prompts: { description: 'supplied by the organizer', references: false },
  };
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'tiny.json');
  writeFileSync(file, JSON.stringify(pack, null, 2));
  const privateFile = privatePromptsFile(file);
  writeFileSync(
    privateFile,
    PRIVATE_PROMPTS.map((text, i) => JSON.stringify({ id: `s${i + 1}`, text })).join('\n') + '\n',
  );
  return { file, pack, privateFile };
}

/** Installs a test pack as `challenge init <pack> --private-prompts <its private-prompts.jsonl>` does. */
export async function installTestPack(packFile: string, dataDir: string): Promise<void> {
  const layout = dataLayout(dataDir);
  await installPack(packFile, {
    dest: layout.challengePack,
    modelsDir: layout.models,
    privatePrompts: privatePromptsFile(packFile),
  });
}

/** A pack as the shipped ones are written, its target and draft on the Hub (the stand-in): what the Models panel offers. */
export function writeHubPack(dir: string, repo: string, files: { target: string; draft: string }): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'tiny.json'),
    JSON.stringify({
      id: 'tiny',
      title: 'Tiny test pack',
      models: {
        'tiny-q8': { role: 'target', description: 'the Q8_0 target', source: { hf: { repo, file: files.target } } },
        'tiny-q4': { role: 'draft', description: 'the Q4_0 draft', source: { hf: { repo, file: files.draft } } },
      },
      baseline: { target: 'tiny-q8' },
      prompts: [
        { id: 'p1', split: 'public', text: 'Hello' },
        { id: 'p2', split: 'public', text: 'World' },
      ],
      references: [{ prompt: 'Hello', reference: 'there' }],
      gate: {},
      private_prompts: {},
    }),
  );
}
