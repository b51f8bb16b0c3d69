// Which engine the swarm's inference host decodes on: llama-server once it is built (in the background, agents never
// wait for the compiler), node-llama-cpp until then and wherever llama-server cannot serve, the status saying why.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/agents/agent-env';
import { ChatClient } from '../../src/agents/inference/chat-client';
import { getLlama, LlamaLogLevel, resolveChatWrapper } from 'node-llama-cpp';
import { InferenceHost } from '../../src/agents/inference/inference-host';
import { LlamaServerProcess } from '../../src/agents/inference/llama-server-process';
import { specialPieces } from '../../src/agents/inference/server-generation';
import { InferenceLifecycle, type LlamaServerSource } from '../../src/agents/inference-lifecycle';
import Ajv from 'ajv';
import { DEFAULT_FAMILY, writeLlamaModel } from '../../src/bench/gguf/tiny-llama';
import { ensureServingTools } from '../../src/bench/serving-tools';
import { chooseBackend } from '../../src/platform/compute-backend';
import type { InferenceStatus, SwarmChange } from '../../src/shared/swarm';
import { childrenOf } from '../helpers/child-processes';
import { WEATHER } from '../helpers/chat-tools';

let dir: string;
let model: string;
let built: { binary: string; bins: string };
let lifecycle: InferenceLifecycle | null = null;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inference-engine-'));
  model = (await writeLlamaModel(join(dir, 'tiny.gguf'), { ...DEFAULT_FAMILY, dropLayers: 0, ctx: 2048, type: 'f32' }))
    .path;
  const binaries = chooseBackend('auto').binaries;
  built = { binary: (await ensureServingTools(binaries)).server, bins: binaries.bins };
}, 30 * 60_000);

afterEach(async () => {
  lifecycle?.retire();
  await lifecycle?.stop();
  lifecycle = null;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A lifecycle with this source of llama-server, and every status it reports, in order. */
function start(source: LlamaServerSource): {
  statuses: InferenceStatus[];
  /** The first status (from index `after` of those so far, else from the start) that passes `ok`, waited for. */
  next: (ok: (s: InferenceStatus) => boolean, after?: number) => Promise<InferenceStatus>;
} {
  const statuses: InferenceStatus[] = [];
  const waiting: Array<{ ok: (s: InferenceStatus) => boolean; resolve: (s: InferenceStatus) => void }> = [];
  lifecycle = new InferenceLifecycle({
    settings: { sequences: 2, llamaServer: source },
    restartDelayMs: 50,
    redactor: new Redactor(),
    emit: (change: SwarmChange) => {
      if (change.type !== 'swarm.inference' || !change.inference) return;
      statuses.push(change.inference);
      for (const w of [...waiting])
        if (w.ok(change.inference)) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve(change.inference);
        }
    },
  });
  const next = (ok: (s: InferenceStatus) => boolean, after = 0) =>
    new Promise<InferenceStatus>((resolve) => {
      const seen = statuses.slice(after).find(ok);
      if (seen) resolve(seen);
      else waiting.push({ ok, resolve });
    });
  return { statuses, next };
}

async function ask(): Promise<number> {
  const host = lifecycle!.running!;
  const answer = await new ChatClient({ url: host.url, key: host.key, agent: 'a' }).complete({
    messages: [{ role: 'user', content: 'hello' }],
    max_tokens: 4,
  });
  return answer.usage.completion_tokens;
}

describe('the inference host engine', () => {
  it('decodes on llama-server when it is built, and says so', async () => {
    start({ found: async () => built, build: () => Promise.reject(new Error('not called')) });
    await lifecycle!.ensure(model);
    expect(lifecycle!.status).toMatchObject({ state: 'ready', engine: 'llama-server' });
    expect(lifecycle!.status!.engine_note).toBeUndefined();
    expect(await ask()).toBeGreaterThan(0);
  });

  it('serves at once on node-llama-cpp while llama-server builds, then moves to it when idle', async () => {
    let finish!: (b: { binary: string; bins: string }) => void;
    const building = new Promise<{ binary: string; bins: string }>((r) => (finish = r));
    const { next } = start({ found: async () => null, build: () => building });
    await lifecycle!.ensure(model);
    expect(lifecycle!.status).toMatchObject({ state: 'ready', engine: 'node-llama-cpp' });
    expect(lifecycle!.status!.engine_note).toMatch(/while llama-server is built/);
    // agents are served meanwhile
    expect(await ask()).toBeGreaterThan(0);
    finish(built);
    const moved = await next((s) => s.state === 'ready' && s.engine === 'llama-server');
    expect(moved.engine_note).toBeUndefined();
    expect(await ask()).toBeGreaterThan(0);
  });

  it('stays on node-llama-cpp where llama-server cannot be built, and says why', async () => {
    const { next } = start({
      found: async () => null,
      build: () => Promise.reject(new Error('g++ was not found\n(details)')),
    });
    await lifecycle!.ensure(model);
    const status = await next((s) => /could not be built/.test(s.engine_note ?? ''));
    expect(status.engine).toBe('node-llama-cpp');
    expect(status.engine_note).toBe('node-llama-cpp decodes: llama-server could not be built (g++ was not found)');
    expect(await ask()).toBeGreaterThan(0);
  });

  it('moves to node-llama-cpp when llama-server dies twice within a minute of starting', async () => {
    if (process.platform !== 'linux') return;
    const { next, statuses } = start({
      found: async () => built,
      build: () => Promise.reject(new Error('not called')),
    });
    await lifecycle!.ensure(model);
    for (let exit = 1; exit <= 2; exit++) {
      const mark = statuses.length;
      const host = lifecycle!.running!;
      expect(lifecycle!.status!.engine).toBe('llama-server');
      const [server] = (await childrenOf(host.pid)).filter((c) => c.name === 'llama-server');
      process.kill(server!.pid, 'SIGKILL');
      // the host exits with it and the lifecycle starts another
      const failed = await next((s) => s.state === 'failed', mark);
      const back = await next(
        (s) => s.state === 'ready' && lifecycle!.running !== null && lifecycle!.running !== host,
        statuses.indexOf(failed),
      );
      if (exit === 1) expect(back.engine).toBe('llama-server');
      else {
        expect(back.engine).toBe('node-llama-cpp');
        expect(back.engine_note).toMatch(/llama-server exited twice within a minute of starting/);
      }
    }
    expect(await ask()).toBeGreaterThan(0);
  });

  it('falls back to node-llama-cpp for a model llama-server will not serve', async () => {
    // a llama-server that exits at once stands for one that refuses the model
    start({
      found: async () => ({ binary: '/bin/false', bins: built.bins }),
      build: () => Promise.reject(new Error('')),
    });
    await lifecycle!.ensure(model);
    expect(lifecycle!.status).toMatchObject({ state: 'ready', engine: 'node-llama-cpp' });
    expect(lifecycle!.status!.engine_note).toMatch(
      /^node-llama-cpp decodes tiny\.gguf: llama-server could not serve it/,
    );
    expect(await ask()).toBeGreaterThan(0);
  });
});

describe("agents on llama-server, in each model's own chat format", () => {
  it.each(['gemma', 'gemma4', 'chatml'] as const)(
    '%s: a required call follows its schema; free calls are a lazy grammar llama-server takes',
    async (format) => {
      const path = (
        await writeLlamaModel(join(dir, `${format}.gguf`), {
          ...DEFAULT_FAMILY,
          dropLayers: 0,
          ctx: 4096,
          type: 'f32',
          chatTemplate: format,
        })
      ).path;
      const host = await InferenceHost.start({ model: path, sequences: 1, llamaServer: built, readyTimeoutMs: 30_000 });
      try {
        const client = new ChatClient({ url: host.url, key: host.key, agent: 'a' });
        const messages = [{ role: 'user' as const, content: 'Weather in Paris?' }];
        const call = await client.complete({ messages, tools: [WEATHER], tool_choice: 'required', max_tokens: 400 });
        expect(call.choices[0]!.finish_reason).toBe('tool_calls');
        const args = JSON.parse(call.choices[0]!.message.tool_calls![0]!.function.arguments) as unknown;
        expect(new Ajv({ strict: false }).validate(WEATHER.function.parameters!, args)).toBe(true);
        // tool_choice auto: the grammar of a call in the wrapper's syntax goes with the request (a 400 if llama-server
        // could not parse it); random weights rarely start a call, so the answer is usually text
        const free = await client.complete({ messages, tools: [WEATHER], tool_choice: 'auto', max_tokens: 24 });
        expect(['stop', 'length', 'tool_calls']).toContain(free.choices[0]!.finish_reason);
        expect((await host.status()).engine).toBe('llama-server');
      } finally {
        await host.stop();
      }
    },
    // up to 400 random-weight tokens for the call on a busy 2-core machine
    180_000,
  );
});

describe("the chat format's control tokens on llama-server", () => {
  it("are named one by one for llama-server to write them back (Gemma 4's call and thought marks)", async () => {
    const path = (
      await writeLlamaModel(join(dir, 'gemma4-marks.gguf'), {
        ...DEFAULT_FAMILY,
        dropLayers: 0,
        ctx: 2048,
        type: 'f32',
        chatTemplate: 'gemma4',
      })
    ).path;
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
    const vocabulary = await llama.loadModel({ modelPath: path, vocabOnly: true });
    const server = await LlamaServerProcess.start({ ...built, model: path, slots: 1, slotContext: 512, threads: 1 });
    try {
      const pieces = specialPieces(resolveChatWrapper(vocabulary), vocabulary);
      expect(pieces).toEqual(expect.arrayContaining(['<|tool_call>', '<tool_call|>', '<|channel>', '<channel|>']));
      // the model writes <|channel> (forced by a bias): without it preserved llama-server answers nothing for it
      const [channel] = vocabulary.tokenizer('<|channel>', true);
      const ask = async (preserved: string[]) => {
        const res = await fetch(`${server.url}/completion`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${server.apiKey}` },
          body: JSON.stringify({
            prompt: 'hello',
            n_predict: 1,
            logit_bias: [[channel, 1000]],
            ...(preserved.length ? { preserved_tokens: preserved } : {}),
          }),
        });
        return ((await res.json()) as { content: string }).content;
      };
      expect(await ask([])).toBe('');
      expect(await ask(pieces)).toBe('<|channel>');
    } finally {
      await server.stop();
      await vocabulary.dispose();
      await llama.dispose();
    }
  });
});
