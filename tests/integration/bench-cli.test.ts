// The bench from the command line: demo models, a run whose JSON result carries every promised field, a readable summary, clear errors.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingFor } from '../../src/platform/compute-backend';
import { assertCliBuilt, runCli } from '../helpers/hub-process';

let dir: string;
beforeAll(() => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'collab-desk-bench-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('collab-desk models make-demo and bench run', () => {
  it('writes the demo models and measures them, printing the result as one JSON object', async () => {
    const made = await runCli(['models', 'make-demo', '--dir', join(dir, 'demo')], 60_000);
    expect(made.code).toBe(0);
    for (const name of [
      'target',
      'draft-q8_0',
      'draft-q4_0',
      'draft-shallow',
      'gemma4/gemma4',
      'gemma4/gemma4-assistant',
    ])
      expect(made.stdout).toContain(join(dir, 'demo', `${name}.gguf`));

    const run = await runCli(
      [
        'bench',
        'run',
        '--target',
        join(dir, 'demo', 'target.gguf'),
        '--draft',
        join(dir, 'demo', 'draft-q8_0.gguf'),
        '--spec-type',
        'draft',
        '--draft-n-max',
        '4',
        '--tokens',
        '24',
        '--repeat',
        '2',
        '--json',
      ],
      120_000,
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!);
    expect(result).toMatchObject({ backend: 'cpu', identical: true, lossy: false, engine: 'native' });
    expect(result.tps).toBeGreaterThan(0);
    expect(result.tps_ci).toHaveLength(2);
    expect(result.ppl).toBeGreaterThan(1);
    expect(result.acceptance).toBeGreaterThan(0.5);
    expect(result.provenance.models.target.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.measure).toEqual({ tokens: 24, repeats: 2, warmup: 1 });
    expect(run.stderr).toContain('measuring');
  }, 180_000);

  it('prints a readable summary without --json, saying what a random-weight perplexity means, and --out keeps the JSON', async () => {
    const out = join(dir, 'result.json');
    const run = await runCli(
      ['bench', 'run', '--target', join(dir, 'demo', 'target.gguf'), '--tokens', '16', '--repeat', '1', '--out', out],
      120_000,
    );
    expect(run.code, run.stderr).toBe(0);
    // Lines a person reads, not a JSON dump.
    expect(run.stdout).toMatch(/^tps \d+\.\d\d \(95% CI/m);
    expect(run.stdout.split('\n').some((l) => l.trimStart().startsWith('{'))).toBe(false);
    expect(run.stdout).toContain(`the whole result: ${out}`);
    const saved = JSON.parse(readFileSync(out, 'utf8')) as { ppl: number; tps: number };
    expect(saved.tps).toBeGreaterThan(0);
    // The generated model's weights are random: its perplexity is astronomical and said to mean nothing here.
    expect(saved.ppl).toBeGreaterThan(10_000);
    expect(run.stdout).toMatch(
      /perplexity \d\.\d\de\+\d+ over \d+ reference tokens: no trained model scores this high/,
    );
  }, 180_000);

  it('names a missing model file and exits non-zero', async () => {
    const run = await runCli(['bench', 'run', '--target', join(dir, 'missing.gguf'), '--json'], 30_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`the target model ${join(dir, 'missing.gguf')} does not exist`);
    expect(run.stdout).toBe('');
  });

  it.skipIf(missingFor('cuda').length === 0)(
    'says which library is missing when CUDA is requested on a machine without it',
    async () => {
      await runCli(['models', 'make-demo', '--dir', join(dir, 'cuda')], 60_000);
      const run = await runCli(
        ['bench', 'run', '--target', join(dir, 'cuda', 'target.gguf'), '--backend', 'cuda', '--json'],
        30_000,
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /the cuda backend was requested but this machine lacks: .*libcuda\.so\.1 \(install the NVIDIA driver\)/,
      );
    },
    90_000,
  );

  it('refuses an unknown speculative type, listing the valid ones', async () => {
    const run = await runCli(['bench', 'run', '--target', 'x.gguf', '--spec-type', 'medusa'], 15_000);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('draft-mtp');
  });
});
