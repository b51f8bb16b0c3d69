// npm run bench:agents — the inference host serving many agents from one model: aggregate completion tokens/s for
// 1, 2, 4 and 8 agents asking at once (one context, 8 sequences, the weights in memory once), the gain over one
// agent, each agent's own tokens/s, and the host's memory. A ~42 MB F16 llama model with random weights is generated
// once and cached; `--model PATH` measures a GGUF of your own instead (on a GPU machine, the GPU). Figures only.
//
// First, what the sandbox costs each external agent's start (spawn to exit of `node -e 0`, bare vs sandboxed,
// interleaved); `--sandbox-only` stops there.
//
// Knobs (environment): BENCH_SANDBOX_STARTS (starts of each kind, 40), BENCH_TOKENS (max_tokens per request, 128), BENCH_ROUNDS (concurrent rounds per agent count, 2),
// BENCH_AGENTS ("1,2,4,8"), BENCH_SEQUENCES (8), BENCH_THREADS (the host's default: every core but one).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ChatClient } from '../src/agents/inference/chat-client';
import { InferenceHost } from '../src/agents/inference/inference-host';
import { writeLlamaModel, type LlamaSpec } from '../src/bench/gguf/tiny-llama';
import { benchModelsFolder, generatorKey } from './lib/generated-models';
import { envInt, envIntList } from './lib/knobs';
import { progress } from './lib/report';
import { measureSandboxSpawn } from './sandbox-spawn';

const positive = { positive: true };
const TOKENS = envInt('BENCH_TOKENS', 128, positive);
const ROUNDS = envInt('BENCH_ROUNDS', 2, positive);
const SEQUENCES = envInt('BENCH_SEQUENCES', 8, positive);
const THREADS = process.env.BENCH_THREADS ? envInt('BENCH_THREADS', 1, positive) : undefined;
const AGENT_COUNTS = envIntList('BENCH_AGENTS', '1,2,4,8', (n) => n >= 1, 'agent counts');

/**
 * 6 blocks of 512 wide with a 1536 FFN over the 394-token vocabulary: 21M parameters, 42 MB as F16. Big enough that
 * decode is compute, not JS overhead (a 700 KB test model measures node-llama-cpp's per-token loop), small enough
 * to generate in ~2 s and run on 2 cores.
 */
const MODEL_SPEC: LlamaSpec = {
  seed: 11,
  layers: 6,
  embd: 512,
  heads: 8,
  kvHeads: 8,
  ff: 1536,
  ctx: 2048,
  type: 'f16',
};

const TOPICS = [
  'the sea',
  'a mountain town',
  'the first computer',
  'a lighthouse keeper',
  'speculative decoding',
  'a garden in winter',
  'the night train',
  'an old map',
];

const f = (n: number | null | undefined, digits = 1): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);
const mib = (bytes: number | null | undefined): string => (bytes ? `${(bytes / 1024 / 1024).toFixed(0)} MiB` : '-');

async function ensureModel(): Promise<{ path: string; generated: boolean }> {
  const dir = benchModelsFolder();
  const path = join(
    dir,
    `agents-llama-${MODEL_SPEC.layers}x${MODEL_SPEC.embd}-${MODEL_SPEC.type}-${generatorKey(MODEL_SPEC)}.gguf`,
  );
  if (existsSync(path)) return { path, generated: false };
  mkdirSync(dir, { recursive: true });
  // written beside, then renamed: an interrupted run leaves no half model
  const temp = `${path}.tmp-${process.pid}`;
  try {
    progress(`generating a ${MODEL_SPEC.layers}-layer ${MODEL_SPEC.embd}-wide ${MODEL_SPEC.type} model into ${dir}`);
    await writeLlamaModel(temp, MODEL_SPEC);
    renameSync(temp, path);
  } finally {
    rmSync(temp, { force: true });
  }
  return { path, generated: true };
}

/** Peak and current resident memory of a process, from /proc (Linux). */
function procMemory(pid: number): { rss: number | null; peak: number | null } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => {
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
      return m ? Number(m[1]) * 1024 : null;
    };
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return { rss: null, peak: null };
  }
}

interface Row {
  agents: number;
  requests: number;
  completion_tokens: number;
  wall_s: number;
  aggregate_tps: number;
  ratio_to_1: number | null;
  per_agent_tps: number;
  per_agent_tps_min: number;
  rss_bytes: number | null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { model: { type: 'string' }, 'sandbox-only': { type: 'boolean', default: false } },
    strict: true,
  });
  const starts = envInt('BENCH_SANDBOX_STARTS', 40, positive);
  progress(`sandbox: ${starts} starts of each kind, bare and sandboxed, interleaved`);
  const sandbox = await measureSandboxSpawn(starts);
  console.log();
  if (!sandbox.overhead_ms) {
    console.log(`sandbox spawn overhead: not measured, no sandbox here (${sandbox.reason})`);
  } else {
    const ms = (x: { median: number; mean: number; ci95: [number, number] }) =>
      `median ${f(x.median, 2)} ms, mean ${f(x.mean, 2)} ms (95% CI ${f(x.ci95[0], 2)}-${f(x.ci95[1], 2)})`;
    console.log(
      `sandbox spawn overhead (${sandbox.kind}, \`${sandbox.command}\` to exit, ${starts} starts each, ${cpus().length} core(s)):`,
    );
    console.log(`  bare:      ${ms(sandbox.bare_ms!)}`);
    console.log(`  sandboxed: ${ms(sandbox.sandboxed_ms!)}`);
    console.log(`  overhead:  ${ms(sandbox.overhead_ms)} per external agent start (paired start by start)`);
  }
  console.log(JSON.stringify({ bench: 'agents.sandbox', ...sandbox }));
  if (values['sandbox-only']) return;

  const model = values.model ? { path: values.model, generated: false } : await ensureModel();
  const modelBytes = statSync(model.path).size;
  progress(`starting the inference host (${SEQUENCES} sequences) on ${model.path}`);
  const host = await InferenceHost.start({
    model: model.path,
    sequences: SEQUENCES,
    ...(THREADS ? { threads: THREADS } : {}),
    contextSize: 1024,
  });
  const rows: Row[] = [];
  try {
    const first = await host.status();
    progress(`ready: backend ${first.backend}${first.gpu ? ` (${first.gpu})` : ''}, RSS ${mib(first.rss_bytes)}`);
    // warm-up: first allocations and the thread pool's first spin-up are not what an agent sees later
    await new ChatClient({ url: host.url, key: host.key, agent: 'warmup' }).complete({
      messages: [{ role: 'user', content: 'warm up' }],
      max_tokens: 16,
    });

    for (const n of AGENT_COUNTS) {
      const clients = Array.from(
        { length: n },
        (_, i) => new ChatClient({ url: host.url, key: host.key, agent: `n${n}-agent${i + 1}` }),
      );
      let tokens = 0;
      let requests = 0;
      let wall = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const started = performance.now();
        const answers = await Promise.all(
          clients.map((client, i) =>
            client.complete({
              // a different question each time: every round decodes from a fresh prompt, no reuse of an earlier answer
              messages: [
                { role: 'user', content: `Round ${round}: write about ${TOPICS[(i + round) % TOPICS.length]}.` },
              ],
              max_tokens: TOKENS,
              // greedy, and random weights rarely end early: each request decodes about max_tokens
              temperature: 0,
            }),
          ),
        );
        wall += (performance.now() - started) / 1000;
        for (const a of answers) tokens += a.usage.completion_tokens;
        requests += answers.length;
      }
      const status = await host.status();
      const tps = clients.map((c, i) => status.per_agent[`n${n}-agent${i + 1}`]?.tps ?? 0);
      const aggregate = tokens / wall;
      const row: Row = {
        agents: n,
        requests,
        completion_tokens: tokens,
        wall_s: wall,
        aggregate_tps: aggregate,
        ratio_to_1: rows[0]?.agents === 1 ? aggregate / rows[0].aggregate_tps : n === 1 ? 1 : null,
        per_agent_tps: tps.reduce((a, b) => a + b, 0) / n,
        per_agent_tps_min: Math.min(...tps),
        rss_bytes: procMemory(host.pid).rss ?? status.rss_bytes,
      };
      rows.push(row);
      progress(`${n} agent(s): ${f(aggregate)} tok/s aggregate, ${f(row.per_agent_tps)} tok/s per agent`);
    }

    const status = await host.status();
    const memory = procMemory(host.pid);
    console.log();
    console.log(
      `inference host: ${status.backend}${status.gpu ? ` (${status.gpu})` : ''}, ${SEQUENCES} sequences in one context, model ${mib(modelBytes)} (${model.path})`,
    );
    console.log(
      `${TOKENS} max_tokens per request, greedy, ${ROUNDS} concurrent round(s) per agent count; ${cpus().length} CPU core(s)`,
    );
    console.log();
    console.log(
      'agents | requests | tokens | wall s | aggregate tok/s | x vs 1 agent | per-agent tok/s (mean / min) | host RSS',
    );
    console.log(
      '-------|----------|--------|--------|-----------------|--------------|------------------------------|---------',
    );
    for (const r of rows) {
      console.log(
        `${String(r.agents).padStart(6)} | ${String(r.requests).padStart(8)} | ${String(r.completion_tokens).padStart(6)} | ${f(r.wall_s, 2).padStart(6)} | ${f(r.aggregate_tps).padStart(15)} | ${f(r.ratio_to_1, 2).padStart(12)} | ${`${f(r.per_agent_tps)} / ${f(r.per_agent_tps_min)}`.padStart(28)} | ${mib(r.rss_bytes)}`,
      );
    }
    console.log();
    console.log(
      `host memory: RSS ${mib(memory.rss)}, peak ${mib(memory.peak)} for a ${mib(modelBytes)} model (loaded once for every agent)`,
    );
    console.log(
      JSON.stringify({
        bench: 'agents',
        backend: status.backend,
        gpu: status.gpu,
        model: model.path,
        model_bytes: modelBytes,
        sequences: SEQUENCES,
        max_tokens: TOKENS,
        rounds: ROUNDS,
        cores: cpus().length,
        rows,
        host_rss_bytes: memory.rss ?? status.rss_bytes,
        host_peak_rss_bytes: memory.peak,
      }),
    );
  } finally {
    await host.stop();
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
