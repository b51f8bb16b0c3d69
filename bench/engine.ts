// npm run bench:engine — measures our native speculative runner against llama.cpp's own tools, built from the
// same commit against the same shipped libraries: plain decode (ours vs llama-bench tg), the cost of a verify batch
// and of a draft token (llama-bench pp/tg), speculative decoding (ours vs speculative-simple), and the speedup that
// those costs and our measured acceptance allow. A ~100M-parameter F32 target and its Q8_0 copy as the draft are
// generated once and cached. Figures only; no pass/fail (it exits non-zero only on errors).
//
// Knobs (environment): BENCH_TOKENS (128 new tokens per prompt), BENCH_REPEATS (speculative rounds, 3),
// BENCH_PLAIN_ROUNDS (5), BENCH_K (draft_n_max, 6),
// BENCH_POLLS ("0,50": --poll values to compare), BENCH_GPU_LAYERS (-1: all; passed to every tool),
// BENCH_LB_REPS (llama-bench repetitions per round, 2).
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { chooseBackend, defaultThreads, type BackendChoice } from '../src/platform/compute-backend';
import { runBench, type BenchResult } from '../src/bench/engine';
import { buildSpmVocab } from '../src/bench/gguf/spm-vocab';
import { writeLlamaModel, type LlamaSpec } from '../src/bench/gguf/tiny-llama';
import { median } from '../src/shared/statistics';
import { benchModelsFolder, generatorKey } from './lib/generated-models';
import { envInt, envIntList } from './lib/knobs';
import {
  CXXFLAGS,
  detokenize,
  ensureTools,
  llamaBench,
  speculativeSimple,
  testSeconds,
  tgRates,
  type LbResult,
  type SpecSimpleRun,
  type Tools,
} from './lib/llama-tools';
import { cpuBusy, elapsed, load1, machineHeader, progress } from './lib/report';

const TOKENS = envInt('BENCH_TOKENS', 128);
const REPEATS = envInt('BENCH_REPEATS', 3);
/** Plain rounds are short (~9 s on 2 cores), and this machine's speed flips between modes: more of them, interleaved. */
const PLAIN_ROUNDS = envInt('BENCH_PLAIN_ROUNDS', 5);
const K = envInt('BENCH_K', 6);
const GPU_LAYERS = envInt('BENCH_GPU_LAYERS', -1);
const LB_ROUND_REPS = envInt('BENCH_LB_REPS', 2);
/** llama-bench repetitions of the cost tests, in each speculative round. */
const LB_COST_REPS = 2;
const POLLS = envIntList('BENCH_POLLS', '0,50', (n) => n >= 0 && n <= 100, '--poll values 0..100');
const CTX = 512;

/**
 * ~100M parameters: 12 blocks of 768 wide with a 2560 FFN (7.7M weights each) plus embeddings and output over the
 * 394-token vocabulary: 99.7M, 399 MB as F32, 106 MB as Q8_0. It generates in ~10 s and decodes ~80-120 tok/s on 2 cores.
 */
const MODEL_SPEC: Omit<LlamaSpec, 'type'> = {
  seed: 3,
  layers: 12,
  embd: 768,
  heads: 12,
  kvHeads: 12,
  ff: 2560,
  ctx: 1024,
};

const PROMPTS = [
  'The quick brown fox jumps over the lazy dog while the farmer watches.',
  'In the beginning of the project, the team wrote a plan and a list of tests.',
  'Speculative decoding drafts a few tokens with a small model and verifies them at once.',
  'Once upon a time, in a small town by the sea, there lived an old sailor.',
];

/** Verify batches of 2..K+1 tokens: what one speculative step asks of the target. */
const VERIFY_BATCHES = Array.from({ length: K }, (_, i) => i + 2);

const f = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : String(n));
const ms = (s: number): string => `${(s * 1000).toFixed(2)} ms`;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

interface Models {
  target: string;
  draft: string;
  targetBytes: number;
  draftBytes: number;
  cached: boolean;
  seconds: number;
}

async function ensureModels(): Promise<Models> {
  const key = generatorKey(MODEL_SPEC);
  const root = benchModelsFolder();
  const dir = join(root, `llama-${MODEL_SPEC.layers}x${MODEL_SPEC.embd}-ff${MODEL_SPEC.ff}-s${MODEL_SPEC.seed}-${key}`);
  const target = join(dir, 'target-f32.gguf');
  const draft = join(dir, 'draft-q8_0.gguf');
  const started = performance.now();
  let cached = true;
  if (!existsSync(target) || !existsSync(draft)) {
    cached = false;
    // Written into a temporary folder beside the cache entry, then renamed: an interrupted run leaves no half pair.
    mkdirSync(root, { recursive: true });
    const temp = `${dir}.tmp-${process.pid}`;
    rmSync(temp, { recursive: true, force: true });
    mkdirSync(temp, { recursive: true });
    try {
      progress(`generating the F32 target (${MODEL_SPEC.layers} layers x ${MODEL_SPEC.embd}) into ${temp}`);
      await writeLlamaModel(join(temp, 'target-f32.gguf'), { ...MODEL_SPEC, type: 'f32' });
      progress('generating its Q8_0 copy (the draft)');
      await writeLlamaModel(join(temp, 'draft-q8_0.gguf'), { ...MODEL_SPEC, type: 'q8_0' });
      rmSync(dir, { recursive: true, force: true });
      renameSync(temp, dir);
    } catch (err) {
      rmSync(temp, { recursive: true, force: true });
      throw err;
    }
  }
  return {
    target,
    draft,
    targetBytes: statSync(target).size,
    draftBytes: statSync(draft).size,
    cached,
    seconds: (performance.now() - started) / 1000,
  };
}

/** What every section measures with: the backend, the thread counts, the models and llama.cpp's tools. */
interface Setup {
  backend: BackendChoice;
  bins: string;
  tPlain: number;
  tSpec: number;
  models: Models;
  tools: Tools;
}

/** Seconds per llama_decode, from llama-bench at the speculative settings. */
interface Costs {
  tDecode: number;
  tDraft: number;
  tVerify: (n: number) => number;
  tDraftBatch: (n: number) => number;
}

/** The speedup bound that the costs and our acceptance allow. */
interface Bound {
  E: number;
  costModel: (k: number) => number;
  costLoop: (k: number) => number;
  plainSame: number;
  boundModel: number;
  boundLoop: number;
}

interface PlainOutcome {
  poll: number;
  ours: BenchResult[];
  oursTps: number;
  theirs: LbResult[];
  theirsRates: number[];
  theirsTps: number;
}

interface SpecOutcome {
  poll: number;
  ours: BenchResult[];
  oursTps: number;
  theirs: SpecSimpleRun[];
  theirsPerRepeat: number[];
  theirsTps: number;
  sameText: number;
  /** llama-bench pp2..pp(K+1) and tg on the target and the draft at the speculative threads, one call per round. */
  tgtCost: LbResult[];
  dftCost: LbResult[];
}

/** speculative-simple's tok/s per round: tokens over seconds summed across the round's prompts. */
function perRepeatTps(runs: SpecSimpleRun[]): number[] {
  return Array.from({ length: REPEATS }, (_, r) => {
    const rs = runs.filter((x) => x.repeat === r);
    return rs.reduce((a, x) => a + x.n, 0) / rs.reduce((a, x) => a + x.seconds, 0);
  });
}

/** Prepares the models and tools, then prints the machine, the libraries and the settings. */
async function prepare(): Promise<Setup> {
  const backend = chooseBackend('auto');
  const bins = backend.binaries.bins;
  const tPlain = defaultThreads(false);
  const tSpec = defaultThreads(true);
  const load0 = loadavg();

  progress('preparing models');
  const models = await ensureModels();
  progress('preparing llama.cpp tools');
  const tools = await ensureTools(backend.binaries);

  const busy = await cpuBusy();
  console.log(
    `${machineHeader('engine')}; before start: load average ${load0.map((x) => x.toFixed(2)).join(' ')}, CPU ${f(100 * busy, 0)}% busy`,
  );
  if (busy > 0.25)
    console.log(
      `  note: other processes are using ${f(100 * busy, 0)}% of the CPU: figures will be low and noisy, multi-threaded ones most`,
    );
  console.log(`backend: ${backend.binaries.flavor} (${backend.reason})`);
  console.log(`libraries: ${bins} (node-llama-cpp's llama.cpp ${backend.binaries.release})`);
  console.log(
    `llama.cpp tools: ${tools.dir} (${tools.built ? `built in ${f(tools.seconds)} s` : 'cached'}) from the bundled source at ${tools.sourceCommit.slice(0, 12)},`,
  );
  console.log(
    `  g++ ${CXXFLAGS.join(' ')}, linked to the libraries above; run with that folder as working directory (ggml_backend_load_all() looks there for the backends)`,
  );
  console.log(
    `models (${models.cached ? 'cached' : `generated in ${f(models.seconds)} s`}): ${dirname(models.target)}\n` +
      `  target ${mb(models.targetBytes)} F32, draft ${mb(models.draftBytes)} Q8_0 of the same weights: llama, ${MODEL_SPEC.layers} layers, embd ${MODEL_SPEC.embd}, ` +
      `${MODEL_SPEC.heads} heads, ff ${MODEL_SPEC.ff}, ${buildSpmVocab().tokens.length}-token vocabulary, random weights (seed ${MODEL_SPEC.seed})`,
  );
  console.log(
    `settings: ${PROMPTS.length} prompts x ${TOKENS} new tokens (greedy, EOS ignored), ${PLAIN_ROUNDS} rounds plain, ${REPEATS} speculative; ctx ${CTX}; -ngl ${GPU_LAYERS}; --poll ${POLLS.join(' and ')}; ` +
      `threads: plain ${tPlain}, speculative ${tSpec} per model (-t/-tb/-td); K = draft_n_max = ${K}`,
  );
  console.log(
    '  ours and theirs alternate round by round, so a change in machine speed hits both; ours/theirs is the median of the per-round ratios',
  );
  console.log();
  return { backend, bins, tPlain, tSpec, models, tools };
}

/** 1. Plain decode: ours vs llama-bench tg, round by round; the poll setting that decodes fastest. */
async function plainDecode({ bins, tPlain, models, tools }: Setup): Promise<PlainOutcome> {
  console.log(
    `1. plain decode, ${tPlain} threads: ours (runner, spec_type none: ${PROMPTS.length} prompts x ${TOKENS} tokens per round, 1 in-process warmup)`,
  );
  console.log(
    `   vs llama-bench -p 0 -n ${TOKENS} -t ${tPlain} -r ${LB_ROUND_REPS} per round (tg${TOKENS}, its own warmup); both: -fa auto -b 2048 -ub 512, f16 KV cache`,
  );
  const plain: PlainOutcome[] = [];
  for (const poll of POLLS) {
    const ours: BenchResult[] = [];
    const theirs: LbResult[] = [];
    for (let r = 0; r < PLAIN_ROUNDS; r++) {
      progress(`plain decode, poll ${poll}, round ${r + 1}/${PLAIN_ROUNDS}: ours, then llama-bench (load ${load1()})`);
      ours.push(
        await runBench(
          {
            config: {
              target: models.target,
              spec_type: 'none',
              threads: tPlain,
              poll,
              gpu_layers: GPU_LAYERS,
              ctx_size: CTX,
            },
            measure: { tokens: TOKENS, repeats: 1, warmup: 1 },
            prompts: PROMPTS,
          },
          { timeoutMs: 300_000 },
        ),
      );
      theirs.push(
        await llamaBench(tools, bins, models.target, [], [TOKENS], {
          threads: tPlain,
          poll,
          gpuLayers: GPU_LAYERS,
          reps: LB_ROUND_REPS,
        }),
      );
    }
    const theirsRates = theirs.flatMap((x) => tgRates(x, TOKENS));
    const o: PlainOutcome = {
      poll,
      ours,
      oursTps: median(ours.map((x) => x.tps)),
      theirs,
      theirsRates,
      theirsTps: median(theirsRates),
    };
    plain.push(o);
    const paired = median(ours.map((x, r) => x.tps / median(tgRates(theirs[r]!, TOKENS))));
    console.log(
      `   --poll ${String(poll).padEnd(3)} ours ${f(o.oursTps).padStart(6)} tok/s median (rounds ${ours.map((x) => f(x.tps)).join(', ')})\n` +
        `             llama-bench ${f(o.theirsTps).padStart(6)} tok/s median (rounds of ${LB_ROUND_REPS}: ${theirs
          .map((x) =>
            tgRates(x, TOKENS)
              .map((y) => f(y))
              .join('/'),
          )
          .join(', ')})\n` +
        `             ours/theirs ${f(paired, 3)} (target >= 0.97); ratio of medians ${f(o.oursTps / o.theirsTps, 3)}, of bests ` +
        `${f(Math.max(...ours.map((x) => x.tps)) / Math.max(...theirsRates), 3)}   [load ${load1()}]`,
    );
  }
  const lb0 = plain[0]!.theirs[0]!;
  console.log(`   ours: ${plain[0]!.ours[0]!.provenance.engine}: ${plain[0]!.ours[0]!.provenance.flags.join(' ')}`);
  console.log(
    `   llama-bench: build ${lb0.tests[0]?.build_commit}, backends ${lb0.tests[0]?.backends}${lb0.tests[0]?.gpu_info ? ` (${lb0.tests[0]?.gpu_info})` : ''}; ${lb0.backendLine || 'no load_backend line'}`,
  );
  const bestPlain = plain.reduce((a, b) => (b.oursTps > a.oursTps ? b : a));
  const bestPlainTheirs = plain.reduce((a, b) => (b.theirsTps > a.theirsTps ? b : a));
  if (POLLS.length > 1)
    console.log(
      `   faster polling for plain decode: ours --poll ${bestPlain.poll}, llama-bench --poll ${bestPlainTheirs.poll}`,
    );
  console.log();
  return bestPlain;
}

/** 2. Speculative decoding: ours vs speculative-simple with the same flags and prompts; the fastest poll setting. */
async function speculative({ bins, tSpec, models, tools }: Setup): Promise<SpecOutcome> {
  console.log(
    `2. speculative decoding, draft = the Q8_0 copy, K = ${K}, ${tSpec} thread(s) per model: ours vs llama.cpp's speculative-simple`,
  );
  console.log(
    `   fairness: speculative-simple gets exactly the llama.cpp flags our runner got (both parse them with common_params_parse), plus\n` +
      `   -p <prompt> -n ${TOKENS}: one process per prompt, the same ${PROMPTS.length} prompts in each round, one untimed warmup process per poll setting;\n` +
      `   ours does one in-process warmup generation per round. Both time decoding only (from after the prompt to the last token) and\n` +
      `   tok/s = tokens / seconds summed over a round's prompts, median over rounds. speculative-simple stops after the step that passes -n,\n` +
      `   so it makes up to K more tokens (counted); ours makes exactly ${TOKENS}. Greedy tokens are compared as text.`,
  );
  const spec: SpecOutcome[] = [];
  for (const poll of POLLS) {
    const ours: BenchResult[] = [];
    const theirs: SpecSimpleRun[] = [];
    const tgtCost: LbResult[] = [];
    const dftCost: LbResult[] = [];
    for (let r = 0; r < REPEATS; r++) {
      progress(
        `speculative, poll ${poll}, round ${r + 1}/${REPEATS}: ours (plain and speculative passes, interleaved), speculative-simple, llama-bench costs (load ${load1()})`,
      );
      const o = await runBench(
        {
          config: {
            target: models.target,
            draft: models.draft,
            spec_type: 'draft',
            draft_n_max: K,
            threads: tSpec,
            draft_threads: tSpec,
            poll,
            gpu_layers: GPU_LAYERS,
            draft_gpu_layers: GPU_LAYERS,
            ctx_size: CTX,
          },
          measure: { tokens: TOKENS, repeats: 1, warmup: 1 },
          prompts: PROMPTS,
        },
        { timeoutMs: 400_000 },
      );
      ours.push(o);
      if (r === 0) await speculativeSimple(tools, bins, o.provenance.flags, PROMPTS[0]!, 16); // warmup
      for (let p = 0; p < PROMPTS.length; p++)
        theirs.push({
          prompt: p,
          repeat: r,
          ...(await speculativeSimple(tools, bins, o.provenance.flags, PROMPTS[p]!, TOKENS)),
        });
      tgtCost.push(
        await llamaBench(tools, bins, models.target, VERIFY_BATCHES, [TOKENS], {
          threads: tSpec,
          poll,
          gpuLayers: GPU_LAYERS,
          reps: LB_COST_REPS,
        }),
      );
      dftCost.push(
        await llamaBench(tools, bins, models.draft, VERIFY_BATCHES, [TOKENS], {
          threads: tSpec,
          poll,
          gpuLayers: GPU_LAYERS,
          reps: LB_COST_REPS,
        }),
      );
    }
    const perRepeat = perRepeatTps(theirs);
    const sameText = ours[0]!.per_prompt.filter((pp) =>
      theirs.find((x) => x.repeat === 0 && x.prompt === pp.prompt)?.stdout.includes(detokenize(pp.tokens)),
    ).length;
    spec.push({
      poll,
      ours,
      oursTps: median(ours.map((x) => x.tps)),
      theirs,
      theirsPerRepeat: perRepeat,
      theirsTps: median(perRepeat),
      sameText,
      tgtCost,
      dftCost,
    });
  }
  for (const s of spec) {
    const o = s.ours[0]!;
    const theirDrafted = s.theirs.reduce((a, x) => a + x.drafted, 0);
    const theirAccepted = s.theirs.reduce((a, x) => a + x.accepted, 0);
    console.log(
      `   --poll ${String(s.poll).padEnd(3)} ours ${f(s.oursTps).padStart(6)} tok/s median (rounds ${s.ours.map((x) => f(x.tps)).join(', ')}; acceptance ${f(100 * (o.acceptance ?? 0))}%)\n` +
        `             speculative-simple ${f(s.theirsTps).padStart(6)} tok/s median (rounds ${s.theirsPerRepeat.map((x) => f(x)).join(', ')}; acceptance ${f((100 * theirAccepted) / theirDrafted)}%)\n` +
        `             ours/theirs ${f(median(s.ours.map((x, r) => x.tps / s.theirsPerRepeat[r]!)), 3)} (target >= 1.0); ratio of medians ${f(s.oursTps / s.theirsTps, 3)}`,
    );
    const perPrompt = o.per_prompt.map((pp) => {
      const mine = median(s.ours.map((x) => x.per_prompt[pp.prompt]!.tps));
      const th = s.theirs.filter((x) => x.prompt === pp.prompt);
      return `#${pp.prompt + 1} ${f(mine)} vs ${f(median(th.map((x) => x.n / x.seconds)))} (${th[0]?.n} tok)`;
    });
    console.log(`             per prompt, medians, ours vs theirs: ${perPrompt.join('; ')}`);
    const div = o.divergences.map((d) => `#${d.prompt + 1} at token ${d.first_token + 1}`).join(', ');
    console.log(
      `             greedy text: speculative-simple's equals ours on ${s.sameText}/${o.per_prompt.length} prompts; ours vs the plain target (its passes in the same run): ` +
        `${o.identical ? 'identical' : `differs on ${div}`};\n             plain at ${tSpec} thread(s) in that pass: ${f(median(s.ours.map((x) => x.plain_tps ?? Number.NaN)))} tok/s   [load ${load1()}]`,
    );
  }
  const bestSpec = spec.reduce((a, b) => (b.oursTps > a.oursTps ? b : a));
  const bestSpecTheirs = spec.reduce((a, b) => (b.theirsTps > a.theirsTps ? b : a));
  console.log(`   ours: ${bestSpec.ours[0]!.provenance.flags.join(' ')}`);
  if (POLLS.length > 1)
    console.log(
      `   faster polling for speculative decoding: ours --poll ${bestSpec.poll}, speculative-simple --poll ${bestSpecTheirs.poll}`,
    );
  if (spec.some((s) => !s.ours[0]!.identical)) {
    console.log(
      '   (a divergence from plain decoding that speculative-simple shares is batch numerics, not a runner bug: the verify batch runs the\n' +
        '   target through the batched matmul path, whose float sums differ slightly from single-token decode, and a near-tie flips greedy)',
    );
  }
  console.log();
  return bestSpec;
}

/** 3. Costs: llama-bench pp (verify batches) and tg (decode steps) on the target and the draft. */
function costs({ tSpec, models }: Setup, bestSpec: SpecOutcome): Costs {
  const costPoll = bestSpec.poll;
  const { tgtCost, dftCost } = bestSpec;
  const tDecode = testSeconds(tgtCost, 'tg', TOKENS) / TOKENS;
  const tDraft = testSeconds(dftCost, 'tg', TOKENS) / TOKENS;
  const tVerify = (n: number): number => (n === 1 ? tDecode : testSeconds(tgtCost, 'pp', n));
  const tDraftBatch = (n: number): number => (n === 1 ? tDraft : testSeconds(dftCost, 'pp', n));
  console.log(
    `3. costs from llama-bench at the speculative settings (-t ${tSpec} --poll ${costPoll} -ngl ${GPU_LAYERS}), run in each of those speculative rounds; medians of ${LB_COST_REPS * REPEATS} runs`,
  );
  console.log(
    `   target decode step (tg${TOKENS} / ${TOKENS}):      t_decode = ${ms(tDecode)}  -> plain ${f(1 / tDecode)} tok/s`,
  );
  console.log(
    `   draft decode step (draft tg${TOKENS} / ${TOKENS}): t_draft  = ${ms(tDraft)}  = ${f(tDraft / tDecode, 2)} x t_decode`,
  );
  console.log(
    `   one llama_decode of a batch of n tokens (pp<n>):   n = ${VERIFY_BATCHES.map((n) => String(n).padStart(7)).join(' ')}`,
  );
  console.log(
    `     target: verify of K+1 = n tokens            ms   ${VERIFY_BATCHES.map((n) => f(tVerify(n) * 1000, 2).padStart(7)).join(' ')}`,
  );
  console.log(
    `                                         x t_decode   ${VERIFY_BATCHES.map((n) => f(tVerify(n) / tDecode, 2).padStart(7)).join(' ')}`,
  );
  console.log(
    `     draft: the same batch (draft-simple process())  ms   ${VERIFY_BATCHES.map((n) => f(tDraftBatch(n) * 1000, 2).padStart(7)).join(' ')}`,
  );
  console.log(
    `   verify of K+1 = ${K + 1} tokens: t_verify = ${ms(tVerify(K + 1))} = ${f(tVerify(K + 1) / tDecode, 2)} x t_decode (one decode step of ${mb(models.targetBytes)} of weights)`,
  );
  console.log();
  return { tDecode, tDraft, tVerify, tDraftBatch };
}

/** 4. The speedup bound from those costs and our acceptance, by K, and its memory-bound (GPU) approximation. */
function bound(
  { tSpec, models }: Setup,
  bestSpec: SpecOutcome,
  { tDecode, tDraft, tVerify, tDraftBatch }: Costs,
): Bound {
  const o = bestSpec.ours[0]!; // greedy and deterministic: every round drafts and accepts the same tokens
  const a = o.acceptance_per_position.slice(0, K); // P(draft position i accepted), over the drafts that reached i
  const p = a.map((x, i) => (i === 0 ? x : x / (a[i - 1] || 1))); // conditional: given position i-1 was accepted
  const eOf = (k: number): number => a.slice(0, k).reduce((s, x) => s + x, 0);
  const E = eOf(K);
  const costModel = (k: number): number => k * tDraft + tVerify(k + 1);
  const costLoop = (k: number): number => k * tDraft + tDraftBatch(k + 1) + tVerify(k + 1);
  const ratio = models.draftBytes / models.targetBytes;
  const plainSame = 1 / tDecode;
  const boundModel = (E + 1) / costModel(K);
  const boundLoop = (E + 1) / costLoop(K);
  console.log(
    `4. the speedup bound (acceptance from ours at --poll ${bestSpec.poll}; greedy, so every round drafts and accepts the same tokens)`,
  );
  console.log(`   draft position i                    ${a.map((_, i) => String(i + 1).padStart(6)).join(' ')}`);
  console.log(
    `   a_i = P(token i accepted)           ${a.map((x) => f(x, 3).padStart(6)).join(' ')}   (runBench acceptance_per_position: accepted at i / drafted at i)`,
  );
  console.log(`   p_i = a_i / a_(i-1), conditional    ${p.map((x) => f(x, 3).padStart(6)).join(' ')}`);
  console.log(`   E = sum_i prod_(j<=i) p_j = sum_i a_i = ${f(E, 3)} drafted tokens accepted per full-K step`);
  console.log(
    `     (runBench mean_accepted_per_step ${f(o.mean_accepted_per_step ?? Number.NaN, 3)} and tokens per step ${f(o.tokens_per_step, 3)} are lower: the last steps of each generation draft fewer than K)`,
  );
  console.log(`   tokens per verify step E+1 = ${f(E + 1, 3)}`);
  console.log(
    `   cost per step, as specified: K*t_draft + t_verify(K+1) = ${K} x ${ms(tDraft)} + ${ms(tVerify(K + 1))} = ${ms(costModel(K))}`,
  );
  console.log(
    `     bound = (E+1)/cost = ${f(boundModel)} tok/s = ${f(boundModel / plainSame, 2)} x plain at ${tSpec} thread(s) (1/t_decode = ${f(plainSame)} tok/s)`,
  );
  console.log(
    `   cost per step of llama.cpp's draft-simple: after drafting it drops the draft's KV of the drafted tokens and decodes the whole verify batch`,
  );
  console.log(
    `   on the draft again (common_speculative_process), so: K*t_draft + t_draft_batch(K+1) + t_verify(K+1) = ${ms(K * tDraft)} + ${ms(tDraftBatch(K + 1))} + ${ms(tVerify(K + 1))} = ${ms(costLoop(K))}`,
  );
  console.log(`     bound = ${f(boundLoop)} tok/s = ${f(boundLoop / plainSame, 2)} x plain at ${tSpec} thread(s)`);
  const boundMeasured = o.tokens_per_step / costLoop(K);
  // Full-K step costs with the tokens per step actually reached: slightly pessimistic for the short last steps.
  const boundModelMeasured = o.tokens_per_step / costModel(K);
  console.log(
    `   ours ${f(bestSpec.oursTps)} tok/s: ours/bound = ${f(bestSpec.oursTps / boundModel, 3)} (specified cost), ${f(bestSpec.oursTps / boundLoop, 3)} (draft-simple's cost) (target >= 0.9)`,
  );
  console.log(
    `     with the tokens per step ours actually got (${f(o.tokens_per_step, 3)}: ${TOKENS}-token generations end in shorter drafts) the draft-simple bound is ` +
      `${f(boundMeasured)} tok/s and ours/bound ${f(bestSpec.oursTps / boundMeasured, 3)};\n` +
      `     the specified-cost bound is ${f(boundModelMeasured)} tok/s and ours/bound ${f(bestSpec.oursTps / boundModelMeasured, 3)}`,
  );
  const c = o.costs;
  if (c && o.tps > 0) {
    // The remainder, from the runner's own clocks in the same passes: what a step of ours cost, split into what the
    // cost model counts (verifying, drafting) and what it does not (sampling, acceptance, KV trims, the loop).
    const step = c.tokens_per_step / o.tps;
    const verify = c.verify_step_cost * c.plain_step_s;
    const draft = c.draft_token_cost * c.plain_step_s * c.drafted_per_step;
    const rest = step - verify - draft;
    console.log(
      `   where a step of ours goes (the runner's clocks, same passes): ${ms(step)} per step = verifying ${ms(verify)} ` +
        `(llama-bench pp${K + 1}: ${ms(tVerify(K + 1))}) + drafting ${f(c.drafted_per_step, 2)} tokens ${ms(draft)} ` +
        `(llama-bench tg: ${ms(c.drafted_per_step * tDraft)}) + the rest ${ms(rest)} (sampling, acceptance, KV trims, the loop)`,
    );
    console.log(
      `     so of the gap to the specified-cost bound, ${f((100 * Math.max(0, verify - tVerify(K + 1))) / step, 1)}% of a step is verify batches slower than llama-bench's, ` +
        `${f((100 * Math.max(0, draft - c.drafted_per_step * tDraft)) / step, 1)}% drafts slower than its tg, ${f((100 * Math.max(0, rest)) / step, 1)}% what the model leaves out`,
    );
  }
  console.log(
    `   memory-bound (GPU) approximation, by bytes read: a decode step streams the target's weights once (${mb(models.targetBytes)}); a verify batch of\n` +
      `     K+1 tokens streams them once too (compute is idle, so K+1 rows cost about one); each draft token streams the draft's (${mb(models.draftBytes)}).\n` +
      `     bytes_draft/bytes_target = ${f(ratio, 3)}, so a step costs 1 + K x ${f(ratio, 3)} = ${f(1 + K * ratio, 3)} decode steps and yields E+1 = ${f(E + 1, 3)} tokens:\n` +
      `     speedup ≈ (E+1)/(1 + K*bytes_draft/bytes_target) = ${f((E + 1) / (1 + K * ratio), 2)}x ` +
      `(${f((E + 1) / (1 + (K + 1) * ratio), 2)}x counting draft-simple's pass over the verify batch as one more draft read)`,
  );
  console.log(
    `   by K (acceptance of the first K positions as measured; costs from section 3; x = versus plain at ${tSpec} thread(s)):`,
  );
  console.log(`     K    E+1   verify ms   specified-cost bound      draft-simple bound     GPU approx`);
  for (let k = 1; k <= K; k++) {
    const e1 = eOf(k) + 1;
    const bm = e1 / costModel(k);
    const bl = e1 / costLoop(k);
    console.log(
      `     ${String(k).padStart(1)}  ${f(e1, 2).padStart(5)}   ${f(tVerify(k + 1) * 1000, 2).padStart(9)}   ${f(bm).padStart(7)} tok/s (${f(bm / plainSame, 2)}x)` +
        `   ${f(bl).padStart(7)} tok/s (${f(bl / plainSame, 2)}x)   ${f(e1 / (1 + k * ratio), 2).padStart(6)}x`,
    );
  }
  console.log();
  return { E, costModel, costLoop, plainSame, boundModel, boundLoop };
}

/** 5. Whether speculation pays on this machine, and why. */
function verdict(
  { backend, tPlain, tSpec }: Setup,
  bestPlain: PlainOutcome,
  bestSpec: SpecOutcome,
  { tDecode, tDraft, tVerify, tDraftBatch }: Costs,
  b: Bound,
): void {
  const { E, costModel, costLoop, plainSame, boundModel, boundLoop } = b;
  const plainBest = bestPlain.oursTps;
  const plainAtSpecThreads = median(bestSpec.ours.map((x) => x.plain_tps ?? Number.NaN));
  const speedup = bestSpec.oursTps / plainBest;
  console.log(`5. on this machine (${backend.binaries.flavor}):`);
  console.log(
    `   plain: ${f(plainBest)} tok/s (ours, ${tPlain} threads, --poll ${bestPlain.poll}); at ${tSpec} thread(s): ${f(plainAtSpecThreads)} tok/s ` +
      `(ours, the plain passes of the same run), ${f(plainSame)} tok/s (llama-bench tg)`,
  );
  console.log(
    `   speculative: ${f(bestSpec.oursTps)} tok/s (ours, ${tSpec}+${tSpec} threads, --poll ${bestSpec.poll}) = ${f(speedup, 2)}x the best plain, ` +
      `${f(bestSpec.oursTps / plainAtSpecThreads, 2)}x / ${f(bestSpec.oursTps / plainSame, 2)}x plain at the same threads`,
  );
  const reasons = [
    `verifying K+1 = ${K + 1} tokens costs ${f(tVerify(K + 1) / tDecode, 2)} decode steps (about 1 where decode is memory-bound)`,
    `the ${K} draft tokens cost ${f((K * tDraft) / tDecode, 2)} decode steps (specified cost: ${f(costModel(K) / tDecode, 2)} steps for ${f(E + 1, 2)} tokens, ${f(boundModel / plainSame, 2)}x)`,
    `draft-simple's draft pass over each verify batch costs ${f(tDraftBatch(K + 1) / tDecode, 2)} more, so a step costs ${f(costLoop(K) / tDecode, 2)} decode steps for ${f(E + 1, 2)} tokens (${f(boundLoop / plainSame, 2)}x)`,
  ];
  if (tSpec < tPlain && backend.binaries.flavor === 'cpu') {
    reasons.push(
      `and with two models on ${tPlain} cores each gets ${tSpec} thread(s) (${tPlain}+${tPlain} makes their thread pools fight), while plain decode uses all ${tPlain} (${f(plainBest / plainAtSpecThreads, 2)}x faster than at ${tSpec})`,
    );
  }
  console.log(
    `   ${speedup < 1 ? 'speculation does not pay here' : 'speculation pays here'}: ${reasons.join(';\n     ')}.`,
  );
  console.log(
    `   total ${elapsed()}; load average at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
}

async function main(): Promise<void> {
  const setup = await prepare();
  const bestPlain = await plainDecode(setup);
  const bestSpec = await speculative(setup);
  const measured = costs(setup, bestSpec);
  verdict(setup, bestPlain, bestSpec, measured, bound(setup, bestSpec, measured));
}

await main();
