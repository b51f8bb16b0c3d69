// The fallback engine: the same measurements as the native runner, through node-llama-cpp, for machines where
// the native runner cannot be built. Slower (one JS round trip per token) but lossless, and the result says so.
import { getLlama, LlamaLogLevel, type LlamaContextSequence, type Token } from 'node-llama-cpp';
import type { RunConfig } from '../shared/run-config';
import { BenchError } from './bench-error';
import type { RunnerEvent, RunnerJob, RunnerSession, RunRecord } from './runner-session';

/** Greedy next tokens for each position of `tokens` (positions are relative to what the sequence already holds). */
async function greedyAfterEach(sequence: LlamaContextSequence, tokens: Token[]): Promise<Token[]> {
  const out = await sequence.controlledEvaluate(
    tokens.map((t) => [t, { generateNext: { token: true, options: { temperature: 0 } } }]),
  );
  return out.map((o, i) => {
    const next = o?.next?.token;
    if (next === undefined || next === null)
      throw new BenchError('RUNNER_FAILED', `node-llama-cpp returned no token at position ${i}`);
    return next;
  });
}

/**
 * One greedy generation of exactly n tokens. With a draft sequence, each step drafts up to K tokens, verifies
 * them in one target batch, and keeps the longest agreeing prefix plus the target's own next token. Unlike
 * node-llama-cpp's DraftSequenceTokenPredictor, every accepted token is fed to the draft's KV cache before the
 * next draft, and every drafted position can be accepted (field notes: its predictor did neither).
 */
async function generate(
  target: LlamaContextSequence,
  draft: LlamaContextSequence | null,
  promptTokens: Token[],
  n: number,
  k: number,
): Promise<Omit<RunRecord, 'prompt' | 'repeat' | 'pass'>> {
  await target.clearHistory();
  if (draft) await draft.clearHistory();
  const t0 = performance.now();
  await target.evaluateWithoutGeneratingNewTokens(promptTokens.slice(0, -1));
  const t1 = performance.now();
  const committed = [...promptTokens];
  let draftHas = 0; // committed[0..draftHas) are in the draft's KV cache
  const generated: Token[] = [];
  const draftedAt: number[] = [];
  const acceptedAt: number[] = [];
  let steps = 0;
  let drafted = 0;
  let accepted = 0;
  let draftMs = 0;
  let verifyMs = 0;
  while (generated.length < n) {
    const tDraft = performance.now();
    const last = committed.at(-1)!;
    const budget = Math.min(k, n - generated.length - 1);
    const proposal: Token[] = [];
    if (draft && budget > 0) {
      if (draftHas < committed.length - 1)
        await draft.evaluateWithoutGeneratingNewTokens(committed.slice(draftHas, -1));
      draftHas = committed.length - 1;
      let input = last;
      for (let i = 0; i < budget; i++) {
        const [next] = await greedyAfterEach(draft, [input]);
        draftHas++;
        proposal.push(next!);
        input = next!;
      }
    }
    const tVerify = performance.now();
    draftMs += tVerify - tDraft;
    const verdicts = await greedyAfterEach(target, [last, ...proposal]);
    let n_acc = 0;
    while (n_acc < proposal.length && proposal[n_acc] === verdicts[n_acc]) n_acc++;
    const keep = [...proposal.slice(0, n_acc), verdicts[n_acc]!];
    steps++;
    if (proposal.length > 0) {
      for (let i = 0; i < proposal.length; i++) {
        draftedAt[i] = (draftedAt[i] ?? 0) + 1;
        if (i < n_acc) acceptedAt[i] = (acceptedAt[i] ?? 0) + 1;
      }
      drafted += proposal.length;
      accepted += n_acc;
    }
    // The target evaluated `last` and every proposal; drop the rejected ones. The draft keeps what was accepted.
    const targetKeep = committed.length + n_acc;
    if (proposal.length > n_acc)
      await target.eraseContextTokenRanges([{ start: targetKeep, end: target.nextTokenIndex }]);
    if (draft && draftHas > committed.length + n_acc) {
      await draft.eraseContextTokenRanges([{ start: committed.length + n_acc, end: draft.nextTokenIndex }]);
      draftHas = committed.length + n_acc;
    }
    committed.push(...keep);
    generated.push(...keep);
    verifyMs += performance.now() - tVerify;
  }
  const t2 = performance.now();
  return {
    n_prompt: promptTokens.length,
    prefill_s: (t1 - t0) / 1000,
    decode_s: (t2 - t1) / 1000,
    draft_s: draftMs / 1000,
    verify_s: verifyMs / 1000,
    n_generated: generated.length,
    n_steps: steps,
    n_drafted: drafted,
    n_accepted: accepted,
    drafted_at: draftedAt,
    accepted_at: acceptedAt.concat(Array(Math.max(0, draftedAt.length - acceptedAt.length)).fill(0)),
    tokens: generated,
  };
}

/**
 * A session on node-llama-cpp in this process, answering the native runner's commands with its events, so the engine
 * measures both alike. A plain pass decodes the target alone; a speculative one drafts with the draft model.
 */
export async function startFallbackSession(
  config: RunConfig,
  job: RunnerJob,
  threads: number,
  gpu: boolean,
  onEvent: (e: RunnerEvent) => void,
  signal?: AbortSignal,
): Promise<RunnerSession> {
  if (config.spec_type !== 'none' && config.spec_type !== 'draft') {
    throw new BenchError(
      'BUILD_FAILED',
      `spec_type ${config.spec_type} needs the native runner (node-llama-cpp cannot run it)`,
    );
  }
  const emit = (e: RunnerEvent, into: RunnerEvent[]) => {
    if (signal?.aborted) throw new BenchError('CANCELLED', 'the run was cancelled');
    into.push(e);
    onEvent(e);
  };
  const llama = await getLlama({ gpu: gpu ? 'auto' : false, build: 'never', logLevel: LlamaLogLevel.error });
  const load = async (path: string, layers: number) => {
    try {
      return await llama.loadModel({ modelPath: path, gpuLayers: layers < 0 ? 'max' : layers });
    } catch (err) {
      throw new BenchError('RUNNER_FAILED', `failed to load the model ${path}: ${(err as Error).message}`);
    }
  };
  const targetModel = await load(config.target, config.gpu_layers);
  const draftModel =
    config.spec_type === 'draft' && config.draft
      ? await load(config.draft, config.draft_gpu_layers).catch(async (err: unknown) => {
          await targetModel.dispose();
          throw err;
        })
      : null;
  const contextOptions = { contextSize: config.ctx_size, batchSize: config.batch_size, threads };
  const targetCtx = await targetModel.createContext(contextOptions);
  const draftCtx = draftModel ? await draftModel.createContext(contextOptions) : null;
  const target = targetCtx.getSequence();
  const draft = draftCtx?.getSequence() ?? null;
  const ready: RunnerEvent = {
    event: 'ready',
    devices: [{ name: llama.gpu || 'CPU', type: llama.gpu ? 'gpu' : 'cpu', backend: llama.gpu || 'CPU' }],
    model: targetModel.typeDescription,
    model_params: 0,
    llama_commit: '',
    llama_build: 0,
    llama_build_info: `node-llama-cpp ${llama.llamaCppRelease.release}`,
  };
  onEvent(ready);
  const tokenize = (text: string) => [targetModel.tokens.bos!, ...targetModel.tokenize(text, true)];
  const k = config.draft_n_max;
  let warmups = 0;
  let closed = false;

  const references = async (into: RunnerEvent[]) => {
    for (const [index, ref] of (job.references ?? []).entries()) {
      await target.clearHistory();
      const p = tokenize(ref.prompt);
      const tokens = [...p, ...targetModel.tokenize(ref.reference, true, 'trimLeadingSpace')];
      const out = await target.controlledEvaluate(
        tokens.map((t, i) =>
          i >= p.length - 1 && i < tokens.length - 1 ? [t, { generateNext: { logits: true } }] : t,
        ),
      );
      let nll = 0;
      for (let i = p.length - 1; i < tokens.length - 1; i++) {
        const logits = out[i]!.next!.logits!;
        let max = -Infinity;
        for (const v of logits.values()) max = Math.max(max, v);
        let sum = 0;
        for (const v of logits.values()) sum += Math.exp(v - max);
        nll += Math.log(sum) + max - logits.get(tokens[i + 1]!)!;
      }
      emit({ event: 'ppl', index, nll, n: tokens.length - p.length }, into);
    }
    emit({ event: 'references_done' }, into);
  };

  return {
    ready,
    pid: process.pid,
    async run(command) {
      if (closed) throw new BenchError('RUNNER_FAILED', 'the session has ended');
      const out: RunnerEvent[] = [];
      const drafting = command.cmd !== 'references' && command.speculative ? draft : null;
      if (command.cmd === 'warmup') {
        if (job.prompts.length === 0) throw new BenchError('INVALID_CONFIG', 'no prompts to warm up on');
        const r = await generate(target, drafting, tokenize(job.prompts[0]!), Math.min(job.n_predict, 16), k);
        emit({ event: 'warmup', index: warmups++, speculative: drafting !== null, decode_s: r.decode_s }, out);
      } else if (command.cmd === 'pass') {
        const pass = drafting ? 'spec' : 'plain';
        for (const [prompt, text] of job.prompts.entries()) {
          const run = await generate(target, drafting, tokenize(text), job.n_predict, k);
          // special tokens rendered as text, as the native runner's common_detokenize does
          emit(
            {
              event: 'run',
              prompt,
              repeat: command.repeat,
              pass,
              ...run,
              ...(job.texts ? { text: targetModel.detokenize(run.tokens as Token[], true) } : {}),
            },
            out,
          );
        }
        emit({ event: 'pass_done', repeat: command.repeat, pass }, out);
      } else {
        await references(out);
      }
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      await draftCtx?.dispose();
      await targetCtx.dispose();
      await draftModel?.dispose();
      await targetModel.dispose();
    },
  };
}
