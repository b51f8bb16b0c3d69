// `collab-desk bench run`: one configuration measured by the engine; progress on stderr, a summary (or, with --json, the result) on stdout.
import { Command, InvalidArgumentError, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { BenchError } from '../bench/bench-error';
import { runBench, type BenchProgress, type BenchResult } from '../bench/engine';
import { demoPromptsFile, readPrompts, readReferences } from '../bench/prompt-files';
import { SPEC_TYPES } from '../shared/run-config';
import { explainSpeculation } from '../shared/speculation-costs';

function int(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

const PHASES: Record<BenchProgress['phase'], string> = {
  build: 'building the native runner',
  load: 'loading models',
  warmup: 'warm-up',
  measure: 'measuring (plain and speculative, interleaved)',
  perplexity: 'perplexity',
};

/** A one-line progress bar on a terminal; plain lines when stderr is a file or a pipe. */
function progressPrinter(): { update(p: BenchProgress): void; done(): void } {
  const tty = process.stderr.isTTY;
  let last = '';
  return {
    update(p) {
      const width = 24;
      const filled = p.total > 0 ? Math.round((p.done / p.total) * width) : 0;
      const line = `${PHASES[p.phase].padEnd(34)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total}${p.tps ? `  ${p.tps.toFixed(1)} tok/s` : ''}`;
      if (tty) process.stderr.write(`\r${line}\x1b[K`);
      else if (p.phase !== last || p.done === p.total) process.stderr.write(line + '\n');
      last = p.phase;
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}

/**
 * Trained models score single or low double digits on their own reference completions; a figure past this says the
 * weights are random (the demo's generated models) or broken, not that the configuration lost quality.
 */
const UNTRAINED_PPL = 10_000;

/** Perplexity with what it means: a figure alone (5.96e10 on a generated model) reads as a broken run. */
export function perplexityLine(ppl: number, tokens: number): string {
  if (ppl >= UNTRAINED_PPL)
    return `perplexity ${ppl.toExponential(2)} over ${tokens} reference tokens: no trained model scores this high, so this one has random weights (as the demo's generated models do) or is broken; the figure says nothing about quality here`;
  return `perplexity ${ppl.toFixed(4)} over ${tokens} reference tokens (how surprised the target is by the reference completions: lower is better; it compares one model with itself, e.g. quantizations or cache types)`;
}

function summary(r: BenchResult): string {
  const lines = [
    `tps ${r.tps.toFixed(2)} (95% CI ${r.tps_ci[0].toFixed(2)}-${r.tps_ci[1].toFixed(2)}, sd ${r.tps_stdev.toFixed(2)}, ${r.repeats} repeats) on ${r.hardware}`,
    r.plain_tps !== null
      ? `plain decode ${r.plain_tps.toFixed(2)} tok/s in the same run -> paired speedup x${r.speedup.toFixed(3)} (95% CI ${r.speedup_ci[0].toFixed(3)}-${r.speedup_ci[1].toFixed(3)})`
      : '',
    r.costs ? explainSpeculation(r.costs, r.speedup, r.backend) : '',
    r.acceptance !== null
      ? `acceptance ${(r.acceptance * 100).toFixed(1)}% (per position ${r.acceptance_per_position.map((a) => a.toFixed(2)).join(' ')}), ${r.mean_accepted_per_step?.toFixed(2)} accepted per verify step`
      : '',
    r.ppl !== null ? perplexityLine(r.ppl, r.ppl_tokens) : '',
    r.identical === null
      ? ''
      : r.identical
        ? 'greedy output identical to the plain model on every prompt'
        : `LOSSY: output diverged on ${r.divergences.length} of ${r.per_prompt.length} prompts`,
  ];
  return lines.filter(Boolean).join('\n');
}

export function benchCommand(): Command {
  const bench = new Command('bench').description('Measure speculative decoding with llama.cpp');
  bench
    .command('run')
    .description('Run one configuration: warm-up, greedy decoding of every prompt for exactly N tokens, K repeats')
    .requiredOption('--target <file>', 'target model (GGUF)')
    .option('--draft <file>', 'draft model (GGUF)')
    .addOption(new Option('--spec-type <type>', 'speculative decoding').choices([...SPEC_TYPES]).default('none'))
    .option('--draft-n-max <n>', 'most tokens drafted per step (--spec-draft-n-max)', int('--draft-n-max', 1), 6)
    .option('--prompts <file>', 'prompts: JSON, JSON lines or one per line (default: the demo prompts)')
    .option(
      '--refs <file>',
      'reference completions for perplexity: [{prompt, reference}] (default: the demo references)',
    )
    .option('--tokens <n>', 'new tokens per prompt, EOS ignored', int('--tokens', 1), 128)
    .option(
      '--repeat <k>',
      'measured repeats (each a plain and a speculative pass, interleaved)',
      int('--repeat', 1),
      3,
    )
    .option(
      '--max-repeats <k>',
      'go on past --repeat, up to this many, until the 95% interval is within --noise-target',
      int('--max-repeats', 1),
    )
    .option(
      '--noise-target <fraction>',
      "the interval's half-width to reach, as a fraction of the median (with --max-repeats; default 0.03)",
    )
    .option('--warmup <n>', 'warm-up generations', int('--warmup', 0), 1)
    .option('--threads <n>', 'CPU threads (default: the real core count)', int('--threads', 1))
    .option('--ctx <n>', 'context size', int('--ctx', 64), 4096)
    .option('--gpu-layers <n>', 'layers on the GPU (-1: all)', int('--gpu-layers', -1), -1)
    .addOption(
      new Option('--backend <backend>', 'compute backend').choices(['auto', 'cuda', 'vulkan', 'cpu']).default('auto'),
    )
    .option('--poll <0-100>', 'llama.cpp thread polling', int('--poll', 0), 0)
    .option('--timeout <seconds>', 'stop the run after this long', int('--timeout', 1))
    .addOption(
      new Option(
        '--engine <engine>',
        'native runner, or node-llama-cpp (slower; auto falls back to it when the runner cannot be built)',
      )
        .choices(['auto', 'native', 'node-llama-cpp'])
        .default('auto'),
    )
    .option(
      '--json',
      'print the whole result (per-prompt figures, provenance) as JSON on stdout instead of the summary',
      false,
    )
    .option('--out <file>', 'also write the whole result as JSON to this file')
    .action(async (o: Record<string, string | number | boolean | undefined>) => {
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      const progress = progressPrinter();
      try {
        const demo = demoPromptsFile();
        const result = await runBench(
          {
            config: {
              target: String(o.target),
              ...(o.draft ? { draft: String(o.draft) } : {}),
              spec_type: o.specType as (typeof SPEC_TYPES)[number],
              draft_n_max: Number(o.draftNMax),
              ctx_size: Number(o.ctx),
              gpu_layers: Number(o.gpuLayers),
              backend: o.backend as 'auto',
              poll: Number(o.poll),
              ...(o.threads ? { threads: Number(o.threads) } : {}),
            },
            measure: {
              tokens: Number(o.tokens),
              repeats: Number(o.repeat),
              warmup: Number(o.warmup),
              ...(o.maxRepeats
                ? {
                    max_repeats: Number(o.maxRepeats),
                    noise_target: o.noiseTarget === undefined ? 0.03 : Number(o.noiseTarget),
                  }
                : {}),
            },
            prompts: readPrompts(o.prompts ? String(o.prompts) : demo),
            references: readReferences(o.refs ? String(o.refs) : demo),
          },
          {
            signal: controller.signal,
            engine: o.engine as 'auto',
            onProgress: (p) => progress.update(p),
            ...(o.timeout ? { timeoutMs: Number(o.timeout) * 1000 } : {}),
          },
        );
        progress.done();
        if (o.out) writeFileSync(String(o.out), JSON.stringify(result, null, 2) + '\n');
        if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
        else
          process.stdout.write(
            `${summary(result)}\n${o.out ? `the whole result: ${String(o.out)}` : 'the whole result (per-prompt figures, provenance): --json or --out <file>'}\n`,
          );
      } catch (err) {
        progress.done();
        if (err instanceof BenchError) {
          console.error(`collab-desk bench: ${err.message}`);
          if (err.log && process.env.COLLAB_DESK_DEBUG) console.error(err.log);
          process.exit(err.code === 'CANCELLED' ? 130 : 1);
        }
        throw err;
      }
    });
  return bench;
}
