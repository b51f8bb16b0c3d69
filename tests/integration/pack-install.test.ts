// Installing challenge packs: the shipped ones are valid and hold no private prompt, Hub models come through the
// (stand-in) Hub into the HF cache, the baseline writes the references, and a broken pack is refused by name before
// anything is downloaded.
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPackFile, readPack } from '../../src/bench/pack-install';
import { writeGemma4Pair } from '../../src/bench/gguf/tiny-gemma4';
import { makeModelFamily } from '../../src/bench/gguf/tiny-llama';
import type { ChallengePack, InstalledPack } from '../../src/shared/challenge';
import { startHfStandin, type HfStandin } from '../helpers/hf-standin';
import { runCli } from '../helpers/hub-process';
import { writeTestPack } from '../helpers/test-pack';

let dir: string;
let hf: HfStandin;
let base: ChallengePack;
let basePrivate: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'collab-desk-pack-'));
  const models = await makeModelFamily(join(dir, 'models'), { seed: 5 });
  const gemma4 = await writeGemma4Pair(join(dir, 'models', 'gemma4'), { seed: 5 });
  const gemma = readPack(findPackFile('gemma')).models['gemma-4-e4b-assistant']!.source as {
    hf: { repo: string; file: string };
  };
  hf = await startHfStandin({
    repos: {
      'collab/tiny-gguf': {
        files: { 'tiny-F32.gguf': readFileSync(models.target), 'tiny-Q8_0.gguf': readFileSync(models.draftQ8_0) },
      },
      // The gemma pack's drafter repo, holding a generated gemma4-assistant drafter: `models pull <name>` resolves the
      // pack's ids.
      [gemma.hf.repo]: { files: { [gemma.hf.file]: readFileSync(gemma4.draft) } },
    },
  });
  ({ pack: base, privateFile: basePrivate } = await writeTestPack(join(dir, 'base')));
}, 60_000);
afterAll(async () => {
  await hf.close();
  rmSync(dir, { recursive: true, force: true });
});

function packFile(name: string, pack: unknown): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(pack));
  return file;
}

describe('challenge packs', () => {
  it('ships a valid demo pack and a valid gemma pack, each with public prompts, private prompts drawn at init, and a probe', () => {
    for (const name of ['demo', 'gemma', 'gemma-qat']) {
      const pack = readPack(findPackFile(name));
      expect(pack.prompts.length).toBeGreaterThan(0);
      expect(pack.prompts.every((p) => p.split === 'public')).toBe(true);
      expect(pack.private_prompts?.families?.length).toBeGreaterThan(0);
      expect(pack.probe.length).toBeGreaterThan(0);
      expect(pack.calibration?.prompts.length).toBeGreaterThan(0);
    }
    const gemma = readPack(findPackFile('gemma'));
    expect(Object.values(gemma.models).some((m) => 'hf' in m.source && m.role === 'draft')).toBe(true);
    expect(gemma.gate).toMatchObject({ tokens: 512, warmup: 4, ppl_cap_ratio: 1.05, verify_tolerance: 0.05 });
  });

  it('installs a pack whose models are on the Hub: downloaded into the HF cache, references calibrated by the baseline; again from the cache', async () => {
    const pack = {
      ...base,
      id: 'hub-pack',
      models: {
        target: { role: 'target', source: { hf: { repo: 'collab/tiny-gguf', file: 'tiny-F32.gguf' } } },
        'draft-q8': {
          role: 'draft',
          source: {
            hf: {
              repo: 'collab/tiny-gguf',
              file: 'tiny-Q8_0.gguf',
              sha256: hf.sha256Of('collab/tiny-gguf', 'tiny-Q8_0.gguf'),
            },
          },
        },
      },
    };
    const file = packFile('hub-pack', pack);
    const data = join(dir, 'data-hub');
    const cache = join(dir, 'hf-cache');
    const args = [
      'challenge',
      'init',
      file,
      '--data',
      data,
      '--hub-url',
      hf.url,
      '--cache-dir',
      cache,
      '--private-prompts',
      basePrivate,
    ];
    const res = await runCli(args, 60_000);
    expect(res.code, res.stderr).toBe(0);
    const installed = JSON.parse(readFileSync(join(data, 'challenge', 'pack.json'), 'utf8')) as InstalledPack;
    expect(installed.model_paths.target).toContain(join(cache, 'models--collab--tiny-gguf', 'snapshots'));
    expect(installed.references).toHaveLength(2);
    for (const r of installed.references) expect(r.reference.length).toBeGreaterThan(0);
    expect(hf.bytesSent).toBeGreaterThan(0);

    hf.reset();
    const again = await runCli(args, 60_000);
    expect(again.code, again.stderr).toBe(0);
    expect(hf.bytesSent).toBe(0);
  }, 120_000);

  it('pulls a model by the name a shipped pack gives it, and lists the known names for an unknown one', async () => {
    const cache = join(dir, 'hf-cache-pull');
    const res = await runCli(
      [
        'models',
        'pull',
        'gemma-4-e4b-assistant',
        '--hub-url',
        hf.url,
        '--cache-dir',
        cache,
        '--data',
        join(dir, 'data-pull'),
      ],
      30_000,
    );
    expect(res.code, res.stderr).toBe(0);
    const path = res.stdout.trim();
    expect(path.startsWith(join(cache, 'models--'))).toBe(true);
    expect(readFileSync(path).subarray(0, 4).toString()).toBe('GGUF');
    const unknown = await runCli([
      'models',
      'pull',
      'gemma-5',
      '--hub-url',
      hf.url,
      '--cache-dir',
      cache,
      '--data',
      join(dir, 'data-pull'),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no pack names a model "gemma-5"; known:');
    for (const known of ['gemma-4-e4b-q4', 'gemma-4-e4b-assistant', 'gemma-4-e4b-qat', 'gemma-4-e4b-qat-assistant'])
      expect(unknown.stderr).toContain(known);
  }, 60_000);

  it.each([
    [
      'a private prompt in the (public) pack file',
      (p: ChallengePack) => ({ ...p, prompts: [...p.prompts, { id: 's9', split: 'private', text: 'held out?' }] }),
      'prompt "s9" is private, but a pack file is public',
    ],
    [
      'no word on its private prompts',
      (p: ChallengePack) => ({ ...p, private_prompts: undefined }),
      'no private_prompts: verification re-runs claims on held-out prompts',
    ],
    [
      'a private prompt family using a slot it does not define',
      (p: ChallengePack) => ({
        ...p,
        private_prompts: {
          count: 1,
          references: true,
          families: [{ id: 'f', template: 'What is {{x}} plus {{y}}?', slots: { x: { from: 1, to: 5000 } } }],
        },
      }),
      'family "f": the template uses {{y}} but slots has no "y"',
    ],
    [
      'private prompt families too small to hide a draw',
      (p: ChallengePack) => ({
        ...p,
        private_prompts: {
          count: 2,
          references: true,
          families: [{ id: 'f', template: 'What is {{x}} squared?', slots: { x: { from: 1, to: 100 } } }],
        },
      }),
      'can fill only 100 distinct prompts',
    ],
    [
      'a duplicate prompt id',
      (p: ChallengePack) => ({ ...p, prompts: [...p.prompts, { ...p.prompts[0]! }] }),
      'prompt id "p1" is used twice',
    ],
    [
      'a baseline that is a draft',
      (p: ChallengePack) => ({ ...p, baseline: { target: 'draft-q8' } }),
      'baseline.target "draft-q8" is not a target model',
    ],
    [
      'a probe answer outside its choices',
      (p: ChallengePack) => ({ ...p, probe: [{ id: 'q', question: 'x?', choices: ['a', 'b'], answer: 'D' }] }),
      'probe "q" answers D but has choices A-B',
    ],
    ['an unknown default', (p: ChallengePack) => ({ ...p, defaults: { ctx: 4 } }), 'defaults: unknown setting ctx'],
    [
      'no references and no calibration',
      (p: ChallengePack) => ({ ...p, calibration: undefined, references: [] }),
      'give references, or calibration prompts',
    ],
    ['an unknown field', (p: ChallengePack) => ({ ...p, leaderboard: true }), 'leaderboard'],
  ])('refuses a pack with %s, by name', async (_name, mutate, message) => {
    const file = packFile('bad', mutate(base));
    expect(() => readPack(file)).toThrow(message);
    const res = await runCli(['challenge', 'init', file, '--data', join(dir, 'data-bad')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(message);
  });
});
