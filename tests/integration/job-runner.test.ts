// The engine behind the hub's jobs, on generated models (CPU): texts for scoring, TPS per prompt split, the
// accuracy probe, calibrated references, logs that never carry a prompt, and bench processes that end cleanly.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRunHooks, JobRunInput, JobRunProgress, ProbeItem } from '../../src/shared/challenge';
import { chooseBackend } from '../../src/platform/compute-backend';
import { calibrateReferences } from '../../src/bench/calibration';
import { generateTexts, llamaFlags, normalizeConfig, normalizeMeasure } from '../../src/bench/engine';
import { makeModelFamily, type ModelFamily } from '../../src/bench/gguf/tiny-llama';
import { engineJobRunner } from '../../src/bench/job-runner';
import { ensureRunner } from '../../src/bench/native-runner';
import { choiceLetters, extractAnswer, formatProbePrompt, scoreProbe } from '../../src/bench/probe';
import { refusal } from '../helpers/bench-refusal';

// Distinctive texts: none of them may ever show up in a job's log or output.
const PUBLIC = ['Zephyr quartz marmalade sings to the lighthouse', 'Public walrus juggles nine copper kettles'];
const PRIVATE = ['Held-out xylophone harbor whispers at dawn', 'Secret heron counts violet pebbles slowly'];
const PROBE: ProbeItem[] = [
  {
    id: 'sky',
    question: 'Which colour is a cloudless noon sky over Quixotic Bay?',
    choices: ['red', 'blue', 'green'],
    answer: 'B',
  },
  {
    id: 'legs',
    question: 'How many legs does the spider Ferdinand Pemberton have?',
    choices: ['six', 'eight', 'ten', 'four'],
    answer: 'B',
  },
  { id: 'sum', question: 'What is two plus two in the Marzipan ledger?', choices: ['three', 'four'], answer: 'B' },
];
const SECRETS = [...PUBLIC, ...PRIVATE, ...PROBE.map((p) => p.question)];

let dir: string;
let models: ModelFamily;
let identicalDraft: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'collab-desk-job-runner-'));
  models = await makeModelFamily(join(dir, 'models'), { seed: 13 });
  identicalDraft = join(dir, 'identical-draft.gguf');
  copyFileSync(models.target, identicalDraft);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plainConfig = () => normalizeConfig({ target: models.target, ctx_size: 256 });

function jobInput(extra: Partial<JobRunInput> = {}): JobRunInput {
  return {
    config: plainConfig(),
    measure: normalizeMeasure({ tokens: 16, repeats: 2, warmup: 1 }),
    prompts: [
      { id: 'p1', split: 'public', text: PUBLIC[0]! },
      { id: 's1', split: 'private', text: PRIVATE[0]! },
      { id: 'p2', split: 'public', text: PUBLIC[1]! },
      { id: 's2', split: 'private', text: PRIVATE[1]! },
    ],
    references: [{ prompt: PUBLIC[0]!, reference: 'and the lighthouse sings back.' }],
    probe: [],
    probe_tokens: 4,
    ...extra,
  };
}

function recorder(signal = new AbortController().signal, timeoutMs = 120_000) {
  const logs: string[] = [];
  const progress: JobRunProgress[] = [];
  const hooks: JobRunHooks = {
    signal,
    timeoutMs,
    onLog: (line) => logs.push(line),
    onProgress: (p) => progress.push(p),
  };
  return { hooks, logs, progress };
}

describe('generated texts', () => {
  it('come back for every prompt, the same with an identical draft as without speculation', async () => {
    const prompts = [...PUBLIC, ...PRIVATE];
    const plain = await generateTexts(plainConfig(), prompts, 24);
    const drafted = await generateTexts(
      { ...plainConfig(), spec_type: 'draft', draft: identicalDraft, draft_n_max: 4 },
      prompts,
      24,
    );
    expect(plain).toHaveLength(prompts.length);
    expect(plain.every((t) => typeof t === 'string' && t.length > 0)).toBe(true);
    expect(drafted).toEqual(plain);
  }, 120_000);

  it('are the same from the node-llama-cpp fallback as from the native runner', async () => {
    const native = await generateTexts(plainConfig(), PUBLIC, 16);
    const fallback = await generateTexts(plainConfig(), PUBLIC, 16, { engine: 'node-llama-cpp' });
    expect(fallback).toEqual(native);
  }, 120_000);
});

describe('a benchmark job', () => {
  it('reports TPS for the public and the private prompts, and the probe score', async () => {
    const { hooks, logs, progress } = recorder();
    const output = await engineJobRunner().run(jobInput({ probe: PROBE }), hooks);

    expect(output.tps).toBeGreaterThan(0);
    expect(output.splits.public?.tps).toBeGreaterThan(0);
    expect(output.splits.private?.tps).toBeGreaterThan(0);
    expect(output.splits.public?.prompts).toBe(2);
    expect(output.splits.public?.tps_per_repeat).toHaveLength(2);
    expect(output.splits.private?.tps_per_repeat).toHaveLength(2);
    expect(
      [...output.splits.public!.tps_per_repeat, ...output.splits.private!.tps_per_repeat].every((t) => t > 0),
    ).toBe(true);
    // A plain configuration is its own plain target: measured once, its paired speedup exactly 1.
    expect(output.plain_tps).toBeNull();
    expect(output.speedup).toBe(1);
    expect(output.costs).toBeNull();
    expect(output.hardware).toMatch(/ x\d+ \(cpu\)$/);
    expect(output.machine.cores).toBeGreaterThan(0);
    expect(output.ppl).toBeGreaterThan(1);
    expect(output.engine).toBe('native');
    expect(output.backend).toBe('cpu');
    expect(output.identical).toBeNull();
    expect(output.provenance).toMatchObject({ engine: expect.stringContaining('native'), threads: expect.any(Number) });

    expect(output.probe).not.toBeNull();
    const probe = output.probe!;
    expect(probe.total).toBe(PROBE.length);
    expect(Number.isInteger(probe.correct) && probe.correct >= 0 && probe.correct <= probe.total).toBe(true);
    expect(probe.accuracy).toBeCloseTo(probe.correct / probe.total, 10);
    // The same greedy answers, read back here: each is one of its question's letters or none, scored alike.
    const texts = await generateTexts(plainConfig(), PROBE.map(formatProbePrompt), 4);
    PROBE.forEach((item, i) => {
      const answer = extractAnswer(texts[i]!, choiceLetters(item));
      expect(answer === null || choiceLetters(item).includes(answer)).toBe(true);
    });
    expect(scoreProbe(PROBE, texts).correct).toBe(probe.correct);

    expect(progress.map((p) => p.phase)).toEqual(
      expect.arrayContaining(['load', 'warmup', 'measure', 'perplexity', 'probe']),
    );
    expect(logs.some((l) => l.includes('4 prompts (2 public, 2 private)'))).toBe(true);
    expect(logs.some((l) => /engine: native .*backend: cpu/.test(l))).toBe(true);
    expect(logs.some((l) => l.startsWith('tps ') && l.includes('public') && l.includes('private'))).toBe(true);
    expect(logs.some((l) => l.startsWith(`accuracy probe: ${probe.correct}/${probe.total}`))).toBe(true);
  }, 120_000);

  it('never lets a prompt, a probe question or a generated text into its log or its output', async () => {
    const { hooks, logs } = recorder();
    const input = jobInput({
      probe: PROBE,
      config: normalizeConfig({
        target: models.target,
        ctx_size: 256,
        spec_type: 'draft',
        draft: models.draftQ8_0,
        draft_n_max: 3,
      }),
    });
    const output = await engineJobRunner().run(input, hooks);
    const outputs = await generateTexts(
      input.config,
      input.prompts.map((p) => p.text),
      input.measure.tokens,
    );
    const leaks = [...SECRETS, ...outputs.map((t) => t.trim()).filter((t) => t.length >= 8)];
    const record = [...logs, JSON.stringify(output)];
    for (const secret of leaks) for (const line of record) expect(line).not.toContain(secret);
    expect(output.identical).toBe(true);
    expect(output.acceptance).toBeGreaterThan(0);
  }, 120_000);

  it('measures the plain target beside the speculative configuration, repeat by repeat, and its speedup is their paired ratio', async () => {
    const { hooks, logs } = recorder();
    const input = jobInput({
      config: normalizeConfig({
        target: models.target,
        ctx_size: 256,
        spec_type: 'draft',
        draft: models.draftQ8_0,
        draft_n_max: 3,
      }),
    });
    const output = await engineJobRunner().run(input, hooks);
    const pub = output.splits.public!;
    expect(output.plain_tps).toBeGreaterThan(0);
    expect(pub.plain_tps_per_repeat).toHaveLength(pub.tps_per_repeat.length);
    // Each repeat's ratio is that repeat's speculative TPS over the plain TPS measured beside it, in the same process.
    pub.speedup_per_repeat.forEach((ratio, i) =>
      expect(ratio).toBeCloseTo(pub.tps_per_repeat[i]! / pub.plain_tps_per_repeat[i]!, 10),
    );
    expect(output.speedup_ci[0]).toBeLessThanOrEqual(output.speedup_ci[1]);
    expect(output.repeats).toBe(2);
    // Where the time went, in plain decode steps of the same run.
    expect(output.costs).toMatchObject({
      verify_step_cost: expect.any(Number),
      draft_token_cost: expect.any(Number),
      tokens_per_step: expect.any(Number),
    });
    expect(output.costs!.verify_step_cost).toBeGreaterThan(0);
    expect(output.costs!.tokens_per_step).toBeGreaterThanOrEqual(1);
    expect(logs.some((l) => l.includes('a plain pass of the target and a speculative pass, interleaved'))).toBe(true);
    expect(logs.some((l) => l.includes('paired speedup x'))).toBe(true);
    expect(logs.some((l) => l.startsWith('machine: '))).toBe(true);
  }, 120_000);

  it('repeats past the minimum while the interval is wider than the noise target, up to the cap', async () => {
    const { hooks } = recorder();
    const config = normalizeConfig({
      target: models.target,
      ctx_size: 256,
      spec_type: 'draft',
      draft: models.draftQ8_0,
      draft_n_max: 3,
    });
    // An unreachable target: it runs to the cap, every repeat a pair.
    const strict = await engineJobRunner().run(
      jobInput({
        config,
        measure: normalizeMeasure({ tokens: 16, repeats: 2, warmup: 0, max_repeats: 4, noise_target: 1e-9 }),
      }),
      hooks,
    );
    expect(strict.repeats).toBe(4);
    expect(strict.splits.public!.speedup_per_repeat).toHaveLength(4);
    expect(strict.splits.public!.plain_tps_per_repeat).toHaveLength(4);
  }, 120_000);

  it('has no private figure without private prompts, and no probe score without a probe', async () => {
    const { hooks } = recorder();
    const input = jobInput({
      prompts: PUBLIC.map((text, i) => ({ id: `p${i}`, split: 'public' as const, text })),
      references: [],
    });
    const output = await engineJobRunner().run(input, hooks);
    expect(output.splits.public?.tps).toBeGreaterThan(0);
    expect(output.splits.private).toBeNull();
    expect(output.probe).toBeNull();
    expect(output.ppl).toBeNull();
  }, 120_000);

  it('runs on the node-llama-cpp fallback too, saying so', async () => {
    const { hooks, logs } = recorder();
    const output = await engineJobRunner({ engine: 'node-llama-cpp' }).run(
      jobInput({ probe: PROBE.slice(0, 1) }),
      hooks,
    );
    expect(output.engine).toBe('node-llama-cpp');
    expect(output.splits.public?.tps).toBeGreaterThan(0);
    expect(output.splits.private?.tps).toBeGreaterThan(0);
    expect(output.probe?.total).toBe(1);
    expect(logs.some((l) => l.includes('node-llama-cpp fallback'))).toBe(true);
  }, 120_000);

  it('is cancelled through its signal, leaving no bench process behind', async () => {
    const controller = new AbortController();
    const { hooks } = recorder(controller.signal);
    hooks.onProgress = (p) => p.phase === 'load' && controller.abort();
    const input = jobInput({
      config: normalizeConfig({ target: models.target, ctx_size: 4096 }),
      measure: normalizeMeasure({ tokens: 3000, repeats: 50, warmup: 0 }),
    });
    const err = await refusal(engineJobRunner().run(input, hooks));
    expect(err.code).toBe('CANCELLED');
    expect(() => execFileSync('pgrep', ['-P', String(process.pid), '-f', 'spec-runner-cpu'])).toThrow();
  }, 120_000);

  it("is stopped past the job's time budget, naming it", async () => {
    const { hooks } = recorder(undefined, 1500);
    const input = jobInput({
      config: normalizeConfig({ target: models.target, ctx_size: 4096 }),
      measure: normalizeMeasure({ tokens: 3000, repeats: 50, warmup: 0 }),
    });
    const err = await refusal(engineJobRunner().run(input, hooks));
    expect(err.code).toBe('TIMED_OUT');
    expect(err.message).toContain('the job took longer than 1.5 s');
  }, 120_000);
});

describe('calibration', () => {
  it("writes the baseline's own greedy completions as references, with speculation switched off", async () => {
    const prompts = ['Calibrate the teapot orchestra', 'A second calibration line about owls'];
    const references = await calibrateReferences(
      { target: models.target, ctx_size: 256, spec_type: 'draft', draft: models.draftShallow },
      prompts,
      12,
    );
    expect(references.map((r) => r.prompt)).toEqual(prompts);
    expect(references.every((r) => r.reference.trim().length > 0)).toBe(true);
    expect(references.map((r) => r.reference)).toEqual(await generateTexts(plainConfig(), prompts, 12));
    // and they score: the plain target's perplexity on its own greedy text is finite
    const { hooks } = recorder();
    const output = await engineJobRunner().run(jobInput({ references }), hooks);
    expect(output.ppl_tokens).toBeGreaterThan(0);
    expect(Number.isFinite(output.ppl)).toBe(true);
  }, 120_000);

  it('refuses to calibrate without prompts', async () => {
    const err = await refusal(calibrateReferences({ target: models.target }, [], 8));
    expect(err.code).toBe('INVALID_CONFIG');
  });
});

describe('a bench process', () => {
  /** A long job for the native runner, its JSON-lines going to a file (a pipe would end it when the reader dies). */
  async function runnerCommand(extraJob: Record<string, unknown> = {}) {
    const backend = chooseBackend('cpu');
    const exe = await ensureRunner(backend.binaries);
    const job = join(dir, `job-${Date.now()}.json`);
    writeFileSync(
      job,
      JSON.stringify({ prompts: PUBLIC, n_predict: 3000, backends_dir: backend.binaries.bins, ...extraJob }),
    );
    return {
      exe,
      args: [job, ...llamaFlags(normalizeConfig({ target: models.target, ctx_size: 4096 }), 1)],
      events: join(dir, `events-${Date.now()}.jsonl`),
    };
  }
  const alive = (pid: number) =>
    existsSync(`/proc/${pid}`) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  const waitFor = async (what: () => boolean, ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50)))
      if (what()) return true;
    return what();
  };

  it.runIf(process.platform === 'linux')(
    'dies with the process that started it, so it never keeps the GPU',
    async () => {
      const { exe, args, events } = await runnerCommand();
      // a stand-in hub: starts the runner, prints its pid, then is killed without a chance to clean up
      const hub = spawn(
        process.execPath,
        [
          '-e',
          `const fs = require('fs'); const c = require('child_process').spawn(${JSON.stringify(exe)}, ${JSON.stringify(args)}, { stdio: ['pipe', fs.openSync(${JSON.stringify(events)}, 'w'), 'ignore'] }); ` +
            `c.stdin.write('{"cmd":"pass","speculative":false,"repeat":0}\\n'); console.log(c.pid); setInterval(() => {}, 1000);`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const runnerPid = await new Promise<number>((resolve) =>
        hub.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
      );
      expect(
        await waitFor(() => existsSync(events) && readFileSync(events, 'utf8').includes('"event":"ready"'), 30_000),
      ).toBe(true);
      expect(alive(runnerPid)).toBe(true);
      hub.kill('SIGKILL');
      expect(await waitFor(() => !alive(runnerPid), 5000)).toBe(true);
    },
    60_000,
  );

  it.runIf(process.platform === 'linux')(
    'exits at once when the process that started it is already gone',
    async () => {
      const { exe, args } = await runnerCommand({ parent_pid: 999_999_999 });
      const runner = spawn(exe, args, { stdio: ['ignore', 'pipe', 'ignore'] });
      let stdout = '';
      runner.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const code = await new Promise<number | null>((resolve) => runner.once('close', resolve));
      expect(code).toBe(1);
      expect(stdout).not.toContain('"event":"ready"'); // it never loaded a model
    },
    60_000,
  );
});
