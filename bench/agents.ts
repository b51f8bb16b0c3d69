// npm run bench:agents — the inference host serving many agents from one model, against llama.cpp serving the same
// agents: aggregate completion tokens/s for 1, 2, 4 and 8 agents asking at once through our host (8 sequences, the
// weights in memory once; on llama-server's slots, as agents use it, and on node-llama-cpp's context, its fallback
// where llama-server cannot be built), through llama-server -np N (N slots, N requests at once on loopback) and in
// llama-batched-bench (N sequences decoded together, no HTTP), each side at its best thread count, and
// ours / llama.cpp at each N. Then the gain over one agent, each agent's own tokens/s and the host's memory.
// A ~42 MB F16 llama model with random weights is generated once and cached; `--model PATH` measures a GGUF of your
// own instead (on a GPU machine, the GPU). llama-server and llama-batched-bench are built once from node-llama-cpp's
// bundled llama.cpp source against the shipped libraries (a few minutes; cached beside the other native tools).
// Sides alternate within each round (ours first in even rounds, last in odd ones) so machine noise hits all of them;
// the figures are medians over rounds, the spread is the lowest and highest round's ratio. Figures only.
//
// First, what the sandbox costs each external agent's start (spawn to exit of `node -e 0`, bare vs sandboxed,
// interleaved); `--sandbox-only` stops there.
//
// Knobs (environment):
//   BENCH_AGENTS_QUICK=1  a smoke run: 32 tokens, 5 sandbox starts (the rest as set)
//   BENCH_TOKENS          completion tokens per request, 128 (32 quick); llama.cpp ignores EOS, ours rarely meets one
//   BENCH_ROUNDS          rounds, 3 (each: every side, thread count and agent count once)
//   BENCH_AGENTS          agent counts, "1,2,4,8"
//   BENCH_THREADS         thread counts each side tries, "1,2"; each side's best is compared
//   BENCH_SEQUENCES       our host's sequences, 8 (at least the largest agent count)
//   BENCH_SLOT_CONTEXT    context tokens per agent on every side, 1024 (llama-server -c N x this)
//   BENCH_LLAMACPP=0      ours on node-llama-cpp only: no llama.cpp build, no llama-server engine, no comparison
//   BENCH_NODE=0          no node-llama-cpp host beside the llama-server one
//   BENCH_SANDBOX_STARTS  sandbox starts of each kind, 40 (5 quick)
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ChatClient } from '../src/agents/inference/chat-client';
import { InferenceHost } from '../src/agents/inference/inference-host';
import { HOST_ENGINE_ARGS } from '../src/agents/inference/model-slot';
import { writeLlamaModel, type LlamaSpec } from '../src/bench/gguf/tiny-llama';
import { chooseBackend } from '../src/platform/compute-backend';
import { benchModelsFolder, generatorKey } from './lib/generated-models';
import { envInt, envIntList } from './lib/knobs';
import { batchedBench, LlamaServer } from './lib/llama-serving';
import { ensureServingTools, type ServingTools } from './lib/llama-tools';
import { cpuBusy, machineHeader, progress } from './lib/report';
import { compare, comparisonTable, threadsTable, type ServingSample } from './lib/serving-compare';
import { measureSandboxSpawn } from './sandbox-spawn';

const positive = { positive: true };
const QUICK = process.env.BENCH_AGENTS_QUICK === '1';
const TOKENS = envInt('BENCH_TOKENS', QUICK ? 32 : 128, positive);
const ROUNDS = envInt('BENCH_ROUNDS', 3, positive);
const SEQUENCES = envInt('BENCH_SEQUENCES', 8, positive);
const SLOT_CONTEXT = envInt('BENCH_SLOT_CONTEXT', 1024, positive);
const THREAD_CHOICES = envIntList('BENCH_THREADS', '1,2', (n) => n >= 1, 'thread counts (positive integers)');
const AGENT_COUNTS = envIntList('BENCH_AGENTS', '1,2,4,8', (n) => n >= 1, 'agent counts');
const WITH_LLAMACPP = process.env.BENCH_LLAMACPP !== '0';
const WITH_NODE = process.env.BENCH_NODE !== '0' || !WITH_LLAMACPP;

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

/** A different question for every round and agent: every request decodes from a fresh prompt, no reuse of an earlier one. */
const question = (round: number, agent: number) =>
  `Round ${round}: write about ${TOPICS[(agent + round) % TOPICS.length]}.`;

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
  threads: number;
  requests: number;
  completion_tokens: number;
  wall_s: number;
  aggregate_tps: number;
  ratio_to_1: number | null;
  per_agent_tps: number;
  per_agent_tps_min: number;
  rss_bytes: number | null;
}

/** Our side at one thread count on one engine: a host with SEQUENCES sequences, and what its requests did. */
interface OurHost {
  side: 'ours' | 'node';
  threads: number;
  host: InferenceHost;
  /** Each request's own tok/s (its tokens over its own time), per agent count. */
  perRequestTps: Map<number, number[]>;
  /** Completion tokens and wall seconds summed over rounds, per agent count. */
  totals: Map<number, { tokens: number; wall: number; requests: number }>;
}

async function runOurs(ours: OurHost, n: number, round: number): Promise<ServingSample> {
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const client = new ChatClient({
        url: ours.host.url,
        key: ours.host.key,
        agent: `${ours.side}-t${ours.threads}-n${n}-agent${i + 1}`,
      });
      const t0 = performance.now();
      const answer = await client.complete({
        messages: [{ role: 'user', content: question(round, i) }],
        max_tokens: TOKENS,
        // greedy, and random weights rarely end early: each request decodes about max_tokens
        temperature: 0,
      });
      const seconds = (performance.now() - t0) / 1000;
      return { tokens: answer.usage.completion_tokens, seconds };
    }),
  );
  const wall = (performance.now() - started) / 1000;
  const tokens = answers.reduce((a, x) => a + x.tokens, 0);
  const list = ours.perRequestTps.get(n) ?? [];
  list.push(...answers.map((a) => a.tokens / a.seconds));
  ours.perRequestTps.set(n, list);
  const total = ours.totals.get(n) ?? { tokens: 0, wall: 0, requests: 0 };
  ours.totals.set(n, { tokens: total.tokens + tokens, wall: total.wall + wall, requests: total.requests + n });
  // the host does not expose llama_decode counts (llama-server's /metrics is off there; node-llama-cpp has none)
  return {
    side: ours.side,
    threads: ours.threads,
    agents: n,
    round,
    tps: tokens / wall,
    tokens,
    tokensPerDecode: null,
  };
}

async function runServer(
  server: LlamaServer,
  prompts: number[][],
  round: number,
  side: 'server' | 'slots' = 'server',
): Promise<ServingSample> {
  const n = prompts.length;
  const before = await server.decodeCounts();
  const started = performance.now();
  const answers = await Promise.all(prompts.map((p) => server.complete(p, TOKENS)));
  const wall = (performance.now() - started) / 1000;
  const after = await server.decodeCounts();
  const tokens = answers.reduce((a, x) => a + x.completionTokens, 0);
  const decodes = after.decodes - before.decodes;
  return {
    side,
    threads: server.options.threads,
    agents: n,
    round,
    tps: tokens / wall,
    tokens,
    tokensPerDecode: decodes > 0 ? (after.busySlots - before.busySlots) / decodes : null,
  };
}

/** The prompt of a request to llama-server: the question's tokens, repeated or cut to the length ours had. */
function fitPrompt(tokens: number[], length: number): number[] {
  if (tokens.length === 0) throw new Error('llama-server tokenized a question to no tokens');
  return Array.from({ length }, (_, i) => tokens[i % tokens.length]!);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { model: { type: 'string' }, 'sandbox-only': { type: 'boolean', default: false } },
    strict: true,
  });
  const starts = envInt('BENCH_SANDBOX_STARTS', QUICK ? 5 : 40, positive);
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

  const most = Math.max(...AGENT_COUNTS);
  if (most > SEQUENCES)
    throw new Error(
      `BENCH_AGENTS asks for ${most} agents at once but the host has BENCH_SEQUENCES=${SEQUENCES}: raise BENCH_SEQUENCES to at least ${most}`,
    );

  const model = values.model ? { path: values.model, generated: false } : await ensureModel();
  const modelBytes = statSync(model.path).size;
  const backend = chooseBackend('auto');
  let tools: ServingTools | null = null;
  if (WITH_LLAMACPP) {
    progress('preparing llama-server and llama-batched-bench');
    tools = await ensureServingTools(backend.binaries);
  }

  const load0 = loadavg();
  const busy = await cpuBusy();
  const ours: OurHost[] = [];
  const servers: LlamaServer[] = [];
  /** llama-server as the host runs it (its slots and flags), per thread count: what the host itself adds. */
  const slotServers: LlamaServer[] = [];
  const samples: ServingSample[] = [];
  try {
    const engines = [...(tools ? (['ours'] as const) : []), ...(WITH_NODE ? (['node'] as const) : [])];
    for (const side of engines)
      for (const threads of THREAD_CHOICES) {
        const engine = side === 'ours' ? 'llama-server' : 'node-llama-cpp';
        progress(
          `starting the inference host on ${engine} (${SEQUENCES} sequences, ${threads} thread(s)) on ${model.path}`,
        );
        const host = await InferenceHost.start({
          model: model.path,
          sequences: SEQUENCES,
          threads,
          contextSize: SLOT_CONTEXT,
          ...(side === 'ours' ? { llamaServer: { binary: tools!.server, bins: backend.binaries.bins } } : {}),
        });
        ours.push({ side, threads, host, perRequestTps: new Map(), totals: new Map() });
        // warm-up: first allocations and the thread pool's first spin-up are not what an agent sees later
        await new ChatClient({ url: host.url, key: host.key, agent: 'warmup' }).complete({
          messages: [{ role: 'user', content: 'warm up' }],
          max_tokens: 16,
        });
      }
    const first = await ours[0]!.host.status();
    progress(`ready: backend ${first.backend}${first.gpu ? ` (${first.gpu})` : ''}, RSS ${mib(first.rss_bytes)}`);
    // the prompt length ours processes for a question (chat template included): llama.cpp's prompts get as many
    const calibration = await new ChatClient({
      url: ours[0]!.host.url,
      key: ours[0]!.host.key,
      agent: 'calibrate',
    }).complete({
      messages: [{ role: 'user', content: question(0, 0) }],
      max_tokens: 1,
      temperature: 0,
    });
    const promptTokens = calibration.usage.prompt_tokens;

    // llama-server prompts per round and agent, tokenized before any timing
    const serverPrompts = new Map<string, number[][]>();
    if (tools) {
      for (const threads of THREAD_CHOICES)
        for (const n of AGENT_COUNTS) {
          progress(`starting llama-server -np ${n} -c ${n * SLOT_CONTEXT} -t ${threads}`);
          const server = await LlamaServer.start(tools, {
            model: model.path,
            slots: n,
            slotContext: SLOT_CONTEXT,
            threads,
            bins: backend.binaries.bins,
          });
          servers.push(server);
          await server.complete(await server.tokenize('warm up'), 16);
        }
      for (const threads of THREAD_CHOICES) {
        progress(
          `starting llama-server as the host runs it: -np ${SEQUENCES} ${HOST_ENGINE_ARGS.join(' ')} --kv-unified-per-slot ${SLOT_CONTEXT} -t ${threads}`,
        );
        const server = await LlamaServer.start(tools, {
          model: model.path,
          slots: SEQUENCES,
          slotContext: SLOT_CONTEXT,
          threads,
          bins: backend.binaries.bins,
          extraArgs: [...HOST_ENGINE_ARGS, '--kv-unified-per-slot', String(SLOT_CONTEXT)],
        });
        slotServers.push(server);
        await server.complete(await server.tokenize('warm up'), 16);
      }
      for (let round = 0; round < ROUNDS; round++)
        for (const n of AGENT_COUNTS)
          serverPrompts.set(
            `${round}/${n}`,
            await Promise.all(
              Array.from({ length: n }, async (_, i) =>
                fitPrompt(await servers[0]!.tokenize(question(round, i)), promptTokens),
              ),
            ),
          );
    }

    for (let round = 0; round < ROUNDS; round++) {
      for (const n of AGENT_COUNTS) {
        for (const threads of THREAD_CHOICES) {
          const server = servers.find((s) => s.options.threads === threads && s.options.slots === n);
          const sides: (() => Promise<ServingSample>)[] = ours
            .filter((o) => o.threads === threads)
            .map((our) => () => runOurs(our, n, round));
          if (tools && server) {
            sides.push(() => runServer(server, serverPrompts.get(`${round}/${n}`)!, round));
            const sameSlots = slotServers.find((s) => s.options.threads === threads)!;
            sides.push(() => runServer(sameSlots, serverPrompts.get(`${round}/${n}`)!, round, 'slots'));
            sides.push(async () => {
              const row = await batchedBench(tools, {
                model: model.path,
                bins: backend.binaries.bins,
                prompt: promptTokens,
                tokens: TOKENS,
                sequences: n,
                slotContext: SLOT_CONTEXT,
                threads,
              });
              return {
                side: 'batched',
                threads,
                agents: n,
                round,
                tps: row.tps,
                tokens: row.sequences * row.generated,
                // every step decodes one token of each sequence together
                tokensPerDecode: n,
              };
            });
          }
          // ours first in even rounds, last in odd ones: a drift in machine speed does not favour one side
          if (round % 2 === 1) sides.reverse();
          for (const side of sides) {
            const sample = await side();
            samples.push(sample);
          }
          const now = samples.slice(-sides.length);
          progress(
            `round ${round + 1}/${ROUNDS}, ${n} agent(s), ${threads} thread(s): ` +
              now.map((x) => `${x.side} ${f(x.tps)} tok/s`).join(', ') +
              ` (load ${loadavg()[0]!.toFixed(2)})`,
          );
        }
      }
    }
    const load1 = loadavg();

    const comparison = compare(samples, AGENT_COUNTS);
    // the rows below are the host as agents use it: on llama-server where it was built, else node-llama-cpp
    const primary = tools ? 'ours' : 'node';
    const rows: Row[] = [];
    for (const c of comparison) {
      const figure = c[primary]!;
      const our = ours.find((o) => o.side === primary && o.threads === figure.threads)!;
      const total = our.totals.get(c.agents)!;
      const tps = our.perRequestTps.get(c.agents)!;
      const aggregate = figure.tps;
      rows.push({
        agents: c.agents,
        threads: our.threads,
        requests: total.requests,
        completion_tokens: total.tokens,
        wall_s: total.wall,
        aggregate_tps: aggregate,
        ratio_to_1: rows[0]?.agents === 1 ? aggregate / rows[0].aggregate_tps : c.agents === 1 ? 1 : null,
        per_agent_tps: tps.reduce((a, b) => a + b, 0) / tps.length,
        per_agent_tps_min: Math.min(...tps),
        rss_bytes: (await our.host.status()).rss_bytes,
      });
    }

    const status = await ours[0]!.host.status();
    const node = ours.find((o) => o.side === 'node');
    console.log();
    console.log(machineHeader('agents'));
    console.log(
      `load average before ${load0.map((x) => x.toFixed(2)).join(' ')} (CPU ${f(100 * busy, 0)}% busy), after ${load1.map((x) => x.toFixed(2)).join(' ')}`,
    );
    if (busy > 0.25)
      console.log(
        `  note: other processes were using ${f(100 * busy, 0)}% of the CPU: figures are low and noisy, multi-threaded ones most`,
      );
    console.log(
      `inference host: ${status.backend}${status.gpu ? ` (${status.gpu})` : ''}, ${SEQUENCES} sequences in one context, model ${mib(modelBytes)} (${model.path}); libraries ${backend.binaries.bins}`,
    );
    console.log(
      `${TOKENS} completion tokens per request, greedy, prompts of ${promptTokens} tokens (ours: a chat question through the model's template; ` +
        `llama.cpp: as many tokens), ${SLOT_CONTEXT} context tokens per agent, ${ROUNDS} round(s), threads tried: ${THREAD_CHOICES.join(', ')}`,
    );
    if (tools) {
      console.log(
        `ours: the inference host on llama-server (${SEQUENCES} slots; prompts rendered and tokenized by the host, /completion with the slot, cache_prompt on), N chat completions at once on loopback`,
      );
      if (node)
        console.log(
          `node-llama-cpp host: the same inference host on node-llama-cpp (${SEQUENCES} sequences in one context), its fallback where llama-server cannot be built`,
        );
      console.log(
        `llama-server: -np N -c N x ${SLOT_CONTEXT} -t/-tb threads --no-webui, N /completion requests at once (ignore_eos, cache_prompt off); ` +
          `${tools.dir} (${tools.built ? `built in ${f(tools.seconds)} s` : 'cached'}) from the bundled source at ${tools.sourceCommit.slice(0, 12)}`,
      );
      console.log(
        `llama-server as the host runs it: -np ${SEQUENCES} ${HOST_ENGINE_ARGS.join(' ')} --kv-unified-per-slot ${SLOT_CONTEXT} -c ${SEQUENCES} x ${SLOT_CONTEXT}, the same N requests as llama-server's: ours / it is what the host itself costs (HTTP twice, the prompt written and tokenized, the slot kept); llama-server / it, what ${SEQUENCES} slots cost llama.cpp at N agents`,
      );
      console.log(
        `llama-batched-bench: -npp ${promptTokens} -ntg ${TOKENS} -npl N -c N x ${SLOT_CONTEXT} -t/-tb threads; tok/s = N x ${TOKENS} over its whole time (prompts included)`,
      );
      console.log();
      console.log(
        'aggregate completion tok/s, median over rounds, each side at its best thread count (t); ratio [lowest-highest round]:',
      );
      for (const line of comparisonTable(comparison)) console.log(line);
      console.log();
      console.log('median tok/s at each thread count:');
      for (const line of threadsTable(comparison)) console.log(`  ${line}`);
      const asked = TOKENS;
      const short = comparison.flatMap((c) =>
        (['ours', 'node', 'server', 'slots', 'batched'] as const)
          .filter((side) => c[side] && c[side].tokens !== asked * c.agents)
          .map((side) => `${side} at N=${c.agents}: ${c[side]!.tokens} of ${asked * c.agents}`),
      );
      console.log(
        short.length
          ? `completion tokens per round differ from N x ${TOKENS} (a request stopped early): ${short.join('; ')}`
          : `every side generated exactly N x ${TOKENS} completion tokens per round (usage counts checked)`,
      );
    }

    console.log();
    console.log(
      `the host as agents use it (${primary === 'ours' ? 'llama-server' : 'node-llama-cpp'}) at its best thread count:`,
    );
    console.log(
      'agents | threads | requests | tokens | wall s | aggregate tok/s | x vs 1 agent | per-agent tok/s (mean / min) | host RSS',
    );
    console.log(
      '-------|---------|----------|--------|--------|-----------------|--------------|------------------------------|---------',
    );
    for (const r of rows) {
      console.log(
        `${String(r.agents).padStart(6)} | ${String(r.threads).padStart(7)} | ${String(r.requests).padStart(8)} | ${String(r.completion_tokens).padStart(6)} | ${f(r.wall_s, 2).padStart(6)} | ${f(r.aggregate_tps).padStart(15)} | ${f(r.ratio_to_1, 2).padStart(12)} | ${`${f(r.per_agent_tps)} / ${f(r.per_agent_tps_min)}`.padStart(28)} | ${mib(r.rss_bytes)}`,
      );
    }
    const memory = procMemory(ours[0]!.host.pid);
    console.log();
    console.log(
      `host memory (${ours[0]!.side === 'ours' ? 'llama-server' : 'node-llama-cpp'}, ${ours[0]!.threads} thread(s)): RSS ${mib(status.rss_bytes)} (llama-server's included); the host process alone ${mib(memory.rss)}, peak ${mib(memory.peak)}; for a ${mib(modelBytes)} model (loaded once for every agent)`,
    );
    if (node) {
      const nodeStatus = await node.host.status();
      console.log(`node-llama-cpp host memory: RSS ${mib(nodeStatus.rss_bytes)}`);
    }
    console.log(
      JSON.stringify({
        bench: 'agents',
        backend: status.backend,
        gpu: status.gpu,
        model: model.path,
        model_bytes: modelBytes,
        sequences: SEQUENCES,
        max_tokens: TOKENS,
        prompt_tokens: promptTokens,
        slot_context: SLOT_CONTEXT,
        rounds: ROUNDS,
        threads_tried: THREAD_CHOICES,
        cores: cpus().length,
        cpu: cpus()[0]?.model ?? null,
        load_before: load0,
        load_after: load1,
        cpu_busy_before: busy,
        llama_cpp: tools ? { dir: tools.dir, commit: tools.sourceCommit } : null,
        comparison,
        samples,
        rows,
        host_rss_bytes: memory.rss,
        host_peak_rss_bytes: memory.peak,
      }),
    );
  } finally {
    await Promise.all([...servers, ...slotServers].map((s) => s.stop()).concat(ours.map((o) => o.host.stop())));
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
