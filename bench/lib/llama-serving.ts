// llama.cpp serving many agents, as the agents bench measures it: a llama-server with N slots on loopback asked N
// completions at once, and llama-batched-bench's N sequences decoded together in one process.
import { LlamaServerProcess } from '../../src/agents/inference/llama-server-process';
import { runTool, type ServingTools } from './llama-tools';

export interface LlamaServerOptions {
  model: string;
  slots: number;
  /** Tokens of context per slot: -c is slots x this. */
  slotContext: number;
  threads: number;
  /** The folder of the shipped libraries: the working directory, where ggml_backend_load_all() finds the backends. */
  bins: string;
  /** More of llama-server's flags (the inference host's, for the same-slots reference). */
  extraArgs?: string[];
}

export interface ServerCompletion {
  promptTokens: number;
  completionTokens: number;
}

/** llama-server as the bench drives it: raw /completion requests and its /metrics, on the process the swarm uses too. */
export class LlamaServer {
  private constructor(
    private readonly server: LlamaServerProcess,
    readonly options: LlamaServerOptions,
  ) {}

  get url(): string {
    return this.server.url;
  }

  /** Starts llama-server and resolves once /health answers 200 (the model is loaded), or rejects with its stderr. */
  static async start(tools: ServingTools, o: LlamaServerOptions, readyTimeoutMs = 120_000): Promise<LlamaServer> {
    const server = await LlamaServerProcess.start(
      { ...o, binary: tools.server, extraArgs: ['--metrics', ...(o.extraArgs ?? [])] },
      { readyTimeoutMs },
    );
    return new LlamaServer(server, o);
  }

  private async post(path: string, body: object): Promise<Record<string, unknown>> {
    const r = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.server.apiKey}` },
      body: JSON.stringify(body),
    });
    const json = (await r.json()) as Record<string, unknown>;
    if (r.status !== 200) throw new Error(`llama-server ${path} answered ${r.status}: ${JSON.stringify(json)}`);
    return json;
  }

  /** The model's tokens for a text, as llama-server tokenizes it (no BOS). */
  async tokenize(text: string): Promise<number[]> {
    return (await this.post('/tokenize', { content: text })).tokens as number[];
  }

  /**
   * One completion of exactly `tokens` tokens (EOS ignored, greedy) from a prompt given as token ids, not cached
   * from an earlier request, as an agent's fresh question would be.
   */
  async complete(prompt: number[], tokens: number): Promise<ServerCompletion> {
    const json = await this.post('/completion', {
      prompt,
      n_predict: tokens,
      ignore_eos: true,
      temperature: 0,
      cache_prompt: false,
      stream: false,
    });
    return { promptTokens: Number(json.tokens_evaluated), completionTokens: Number(json.tokens_predicted) };
  }

  /** llama_decode calls and busy slots summed over them, so far (from /metrics, which reports their ratio). */
  async decodeCounts(): Promise<{ decodes: number; busySlots: number }> {
    const text = await (
      await fetch(`${this.url}/metrics`, { headers: { authorization: `Bearer ${this.server.apiKey}` } })
    ).text();
    const value = (name: string) => {
      const m = new RegExp(`^llamacpp:${name} ([\\d.e+-]+)$`, 'm').exec(text);
      if (!m) throw new Error(`llama-server's /metrics has no ${name}`);
      return Number(m[1]);
    };
    const decodes = value('n_decode_total');
    return { decodes, busySlots: value('n_busy_slots_per_decode') * decodes };
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}

export interface BatchedBenchRow {
  prompt: number;
  generated: number;
  sequences: number;
  promptSeconds: number;
  generateSeconds: number;
  totalSeconds: number;
  /** Generated tokens over the whole run (prompts included): the figure comparable with a server's completions. */
  tps: number;
  /** Generated tokens over the generation phase only (batched-bench's S_TG). */
  generateTps: number;
}

/** Reads batched-bench's table: |PP|TG|B|N_KV|T_PP s|S_PP t/s|T_TG s|S_TG t/s|T s|S t/s|. */
export function parseBatchedBench(output: string): BatchedBenchRow[] {
  const rows: BatchedBenchRow[] = [];
  for (const line of output.split('\n')) {
    const cells = line
      .split('|')
      .map((c) => c.trim())
      .filter(Boolean);
    if (cells.length !== 10 || !cells.every((c) => /^[\d.]+$/.test(c))) continue;
    const [pp, tg, b, , tPp, , tTg, sTg, t] = cells.map(Number) as number[];
    rows.push({
      prompt: pp!,
      generated: tg!,
      sequences: b!,
      promptSeconds: tPp!,
      generateSeconds: tTg!,
      totalSeconds: t!,
      tps: (b! * tg!) / t!,
      generateTps: sTg!,
    });
  }
  return rows;
}

/** llama-batched-bench: N sequences of a P-token prompt, then T tokens each, decoded together (one decode per step). */
export async function batchedBench(
  tools: ServingTools,
  o: {
    model: string;
    bins: string;
    prompt: number;
    tokens: number;
    sequences: number;
    slotContext: number;
    threads: number;
  },
): Promise<BatchedBenchRow> {
  const args = [
    '-m',
    o.model,
    '-c',
    String(o.sequences * o.slotContext),
    '-b',
    '2048',
    '-ub',
    '512',
    '-npp',
    String(o.prompt),
    '-ntg',
    String(o.tokens),
    '-npl',
    String(o.sequences),
    '-t',
    String(o.threads),
    '-tb',
    String(o.threads),
  ];
  // Its table goes through llama.cpp's asynchronous log, whose worker can be stopped at exit before it writes the
  // last lines (seen on a pipe: 2 runs in 6 lost the result row). The row times the decode inside the process, so
  // running it again measures the same thing.
  let output = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const { stdout, stderr } = await runTool(tools.batchedBench, args, o.bins);
    output = `${stdout}\n${stderr}`;
    const row = parseBatchedBench(output)[0];
    if (row) return row;
  }
  throw new Error(`llama-batched-bench printed no result row in 5 runs:\n${output.slice(-2000)}`);
}
