// The inference host as agents use it: a real child process, a generated tiny model (random weights), the OpenAI API,
// on each engine: llama-server's slots (built once from the bundled source) and node-llama-cpp's context.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtEntry } from '../../src/agents/built-entry';
import { ChatClient } from '../../src/agents/inference/chat-client';
import { InferenceHost } from '../../src/agents/inference/inference-host';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatTool,
} from '../../src/agents/inference/openai-types';
import { DEFAULT_FAMILY, writeLlamaModel } from '../../src/bench/gguf/tiny-llama';
import { childrenOf } from '../helpers/child-processes';
import { ensureServingTools } from '../../src/bench/serving-tools';
import { chooseBackend } from '../../src/platform/compute-backend';

let dir: string;
let host: InferenceHost;
let exits: Array<{ code: number | null; signal: string | null }> = [];
/** llama-server, built once per bundled source (minutes on a fresh machine, cached after). */
let llamaServer: { binary: string; bins: string };
const SECRET = 'secret-test-value';

/** Three tools whose schemas the grammar expresses fully (bounded strings, enums, arrays with maxItems). */
const TOOLS: ChatTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'The weather in a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string', maxLength: 24 }, unit: { enum: ['c', 'f'] }, days: { type: 'integer' } },
        required: ['city'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'search',
      description: 'Search the notes',
      parameters: {
        type: 'object',
        properties: {
          query: { type: 'string', maxLength: 40 },
          tags: { type: 'array', items: { type: 'string', enum: ['gpu', 'cpu', 'draft'] }, maxItems: 3 },
          exact: { type: 'boolean' },
        },
      },
    },
  },
  { type: 'function', function: { name: 'list_jobs', description: 'The jobs in the queue' } },
];

async function post(
  body: unknown,
  options: { key?: string | null; agent?: string; raw?: string } = {},
): Promise<Response> {
  const key = options.key === undefined ? host.key : options.key;
  return fetch(`${host.url}/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key !== null ? { authorization: `Bearer ${key}` } : {}),
      ...(options.agent ? { 'x-collab-agent': options.agent } : {}),
    },
    body: options.raw ?? JSON.stringify(body),
  });
}

async function complete(body: ChatCompletionRequest, agent = 'tester'): Promise<ChatCompletion> {
  const res = await post(body, { agent });
  const json = (await res.json()) as ChatCompletion & { error?: { message: string } };
  expect(res.status, json.error?.message).toBe(200);
  return json;
}

/** The data lines of an SSE body, parsed ([DONE] kept as the string). */
function sseEvents(text: string): Array<ChatCompletionChunk | '[DONE]' | { error: { message: string } }> {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length))
    .map((data) => (data === '[DONE]' ? '[DONE]' : JSON.parse(data)));
}

/** Running, not merely a zombie waiting for init to reap it (an orphan's exit status goes to pid 1). */
async function isAliveNow(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return !/^State:\s+Z/m.test(status);
}

const ask = (content: string, extra: Record<string, unknown> = {}): ChatCompletionRequest => ({
  model: 'any',
  messages: [{ role: 'user', content }],
  ...extra,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inference-host-'));
  await writeLlamaModel(join(dir, 'tiny.gguf'), {
    ...DEFAULT_FAMILY,
    dropLayers: 0,
    ctx: 2048,
    type: 'f32',
  });
  const binaries = chooseBackend('auto').binaries;
  llamaServer = { binary: (await ensureServingTools(binaries)).server, bins: binaries.bins };
}, 30 * 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(['llama-server', 'node-llama-cpp'] as const)('inference host on %s', (engine) => {
  const engineArgs = () =>
    engine === 'llama-server' ? ['--llama-server', llamaServer.binary, '--llama-bins', llamaServer.bins] : [];

  beforeAll(async () => {
    exits = [];
    // A secret in the parent's environment must not reach the child.
    process.env.HF_TOKEN = SECRET;
    try {
      host = await InferenceHost.start({
        model: join(dir, 'tiny.gguf'),
        sequences: 4,
        pauseGraceMs: 300,
        readyTimeoutMs: 20_000,
        ...(engine === 'llama-server' ? { llamaServer } : {}),
        onExit: (code, signal) => exits.push({ code, signal }),
      });
    } finally {
      delete process.env.HF_TOKEN;
    }
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('starts as a child process listening on loopback behind its key', async () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(host.pid).not.toBe(process.pid);
    const models = (await (
      await fetch(`${host.url}/models`, { headers: { authorization: `Bearer ${host.key}` } })
    ).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toEqual(['tiny']);
  });

  it('keeps the parent environment away from the child (no HF token)', async () => {
    if (process.platform !== 'linux') return;
    const environ = await readFile(`/proc/${host.pid}/environ`, 'utf8');
    expect(environ).not.toContain(SECRET);
    expect(environ.split('\0').some((v) => v.startsWith('HF_TOKEN='))).toBe(false);
    if (engine !== 'llama-server') return;
    // llama-server gets its own key and the PATH, nothing else of ours; without its key it serves no one
    const [server] = (await childrenOf(host.pid)).filter((c) => c.name === 'llama-server');
    expect(server, 'the host runs llama-server').toBeDefined();
    const names = (await readFile(`/proc/${server!.pid}/environ`, 'utf8'))
      .split('\0')
      .filter(Boolean)
      .map((v) => v.split('=')[0])
      .sort();
    expect(names).toEqual(['LLAMA_API_KEY', 'PATH']);
    const cmdline = await readFile(`/proc/${server!.pid}/cmdline`, 'utf8');
    expect(cmdline).toContain('127.0.0.1');
    const port = cmdline.split('\0')[cmdline.split('\0').indexOf('--port') + 1];
    const refused = await fetch(`http://127.0.0.1:${port}/completion`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'hi', n_predict: 1 }),
    });
    expect(refused.status).toBe(401);
  });

  it('answers a text completion with its usage', async () => {
    const answer = await complete(ask('Hello there, how are you?', { max_tokens: 12 }));
    expect(answer.object).toBe('chat.completion');
    expect(answer.model).toBe('tiny');
    const choice = answer.choices[0]!;
    expect(choice.message.role).toBe('assistant');
    expect(typeof choice.message.content).toBe('string');
    expect(['stop', 'length']).toContain(choice.finish_reason);
    expect(answer.usage.prompt_tokens).toBeGreaterThan(5);
    expect(answer.usage.completion_tokens).toBeGreaterThan(0);
    expect(answer.usage.completion_tokens).toBeLessThanOrEqual(12);
    expect(answer.usage.total_tokens).toBe(answer.usage.prompt_tokens + answer.usage.completion_tokens);
    // without an X-Collab-Agent header, the body's `user` names the agent
    expect((await post(ask('Who am I?', { max_tokens: 2, user: 'body-named' }))).status).toBe(200);
    expect((await host.status()).per_agent['body-named']?.requests).toBe(1);
  });

  it('streams: a role delta, content deltas, a finish, usage, then [DONE]; the deltas make the same answer', async () => {
    const request = ask('Tell me about the sea', { max_tokens: 24, temperature: 0 });
    const whole = await complete(request, 'streamer-a');
    const res = await post(
      { ...request, stream: true, stream_options: { include_usage: true } },
      { agent: 'streamer-b' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as ChatCompletionChunk[];
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]!.id)).toBe(true);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(1);
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish?.choices[0]!.finish_reason).toBe(whole.choices[0]!.finish_reason);
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage!.completion_tokens).toBe(whole.usage.completion_tokens);
    // greedy decoding of the same prompt: the streamed deltas add up to the non-streamed answer
    expect(text).toBe(whole.choices[0]!.message.content);
  });

  it('tool_choice "required" over three tools gives exactly one call whose arguments follow its schema, even on random weights', async () => {
    const ajv = new Ajv({ strict: false });
    for (const seed of [1, 2, 3]) {
      const answer = await complete(
        ask('Check the weather or search the notes.', {
          tools: TOOLS,
          tool_choice: 'required',
          max_tokens: 400,
          temperature: 1,
          seed,
        }),
      );
      const choice = answer.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.content).toBeNull();
      expect(choice.message.tool_calls).toHaveLength(1);
      const call = choice.message.tool_calls![0]!;
      expect(call.type).toBe('function');
      expect(call.id).toMatch(/^call_/);
      const tool = TOOLS.find((t) => t.function.name === call.function.name);
      expect(tool, `unknown tool ${call.function.name}`).toBeDefined();
      const args = JSON.parse(call.function.arguments);
      const schema = tool!.function.parameters ?? { type: 'object', additionalProperties: false };
      expect(ajv.validate(schema, args), `${call.function.arguments}: ${ajv.errorsText()}`).toBe(true);
    }
  });

  it('a named tool_choice calls that tool', async () => {
    const answer = await complete(
      ask('Search for drafts.', {
        tools: TOOLS,
        tool_choice: { type: 'function', function: { name: 'search' } },
        max_tokens: 300,
      }),
    );
    const calls = answer.choices[0]!.message.tool_calls!;
    expect(calls).toHaveLength(1);
    expect(calls[0]!.function.name).toBe('search');
    const args = JSON.parse(calls[0]!.function.arguments);
    expect(new Ajv({ strict: false }).validate(TOOLS[1]!.function.parameters!, args)).toBe(true);
    // and the call goes back into the history, with its result, for the next turn
    const next = await complete({
      messages: [
        { role: 'user', content: 'Search for drafts.' },
        { role: 'assistant', content: null, tool_calls: calls },
        { role: 'tool', tool_call_id: calls[0]!.id, content: '{"hits": 2}' },
      ],
      tools: TOOLS,
      tool_choice: 'none',
      max_tokens: 8,
    });
    expect(next.choices[0]!.message.tool_calls).toBeUndefined();
  });

  it('tool_choice "auto" lets the model answer in text or call a tool; the tools are documented in its prompt', async () => {
    const plain = await complete(ask('What is the weather in Paris?', { max_tokens: 8 }));
    const answer = await complete(ask('What is the weather in Paris?', { tools: TOOLS, max_tokens: 40 }));
    expect(answer.usage.prompt_tokens).toBeGreaterThan(plain.usage.prompt_tokens + 50);
    const choice = answer.choices[0]!;
    if (choice.finish_reason === 'tool_calls') {
      for (const call of choice.message.tool_calls!)
        expect(TOOLS.map((t) => t.function.name)).toContain(call.function.name);
    } else {
      // random weights rarely start their wrapper's call syntax: then it is text
      expect(typeof choice.message.content).toBe('string');
      expect(choice.message.tool_calls).toBeUndefined();
    }
  });

  it('response_format constrains the answer to JSON (an object, or a given schema)', async () => {
    const schema = {
      type: 'object',
      properties: {
        verdict: { enum: ['faster', 'slower'] },
        tps: { type: 'number' },
        note: { type: 'string', maxLength: 30 },
      },
    };
    const shaped = await complete(
      ask('Judge the run.', {
        response_format: { type: 'json_schema', json_schema: { name: 'verdict', schema } },
        max_tokens: 200,
      }),
    );
    expect(new Ajv({ strict: false }).validate(schema, JSON.parse(shaped.choices[0]!.message.content!))).toBe(true);
    const object = await complete(
      ask('Any JSON object.', { response_format: { type: 'json_object' }, max_tokens: 400 }),
    );
    if (object.choices[0]!.finish_reason === 'stop')
      expect(typeof JSON.parse(object.choices[0]!.message.content!)).toBe('object');
  });

  it('refuses requests without the key or with a wrong one (401, OpenAI error shape)', async () => {
    for (const key of [null, 'wrong-key', `${host.key}x`]) {
      const res = await post(ask('hi'), { key });
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { message: string; type: string } };
      expect(body.error.type).toBe('authentication_error');
      expect(body.error.message).toMatch(/API key/);
    }
    const status = await fetch(`${host.url.replace(/\/v1$/, '')}/status`);
    expect(status.status).toBe(401);
  });

  it('gives each agent its own key: it chats under its own name, and cannot pause or resume the host', async () => {
    const origin = host.url.replace(/\/v1$/, '');
    const ada = host.agentKey('ada');
    // An agent's key names it, whatever name the request claims.
    const res = await post(ask('hi', { max_tokens: 2 }), { key: ada, agent: 'someone-else' });
    expect(res.status).toBe(200);
    const status = (await (
      await fetch(`${origin}/status`, { headers: { authorization: `Bearer ${ada}` } })
    ).json()) as { state: string; per_agent: Record<string, unknown> };
    expect(status.per_agent.ada).toMatchObject({ requests: 1 });
    expect(status.per_agent['someone-else']).toBeUndefined();
    // /control is the supervisor's: an agent stalling every other agent (or resuming inference under a benchmark) is refused.
    for (const action of ['pause', 'resume']) {
      const refused = await fetch(`${origin}/control/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ada}` },
      });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { type: string; message: string } }).error).toMatchObject({
        type: 'permission_error',
        message: expect.stringContaining('supervisor only'),
      });
    }
    expect((await host.status()).state).toBe('ready');
    // A key forged for another agent, or an agent key with its signature cut, opens nothing.
    for (const forged of [`bob.${ada.split('.')[1]}`, ada.slice(0, -2), 'ada.'])
      expect((await post(ask('hi'), { key: forged })).status).toBe(401);
  });

  it('refuses bad requests with a 400 that says what is wrong, and keeps serving', async () => {
    const cases: Array<{ raw?: string; body?: unknown; message: RegExp; param?: string }> = [
      { raw: '{"messages": [', message: /not valid JSON/ },
      { body: { model: 'x' }, message: /messages is required/, param: 'messages' },
      {
        body: { messages: [{ role: 'robot', content: 'hi' }] },
        message: /messages\[0\]\.role must be one of/,
        param: 'messages[0].role',
      },
      {
        body: ask('hi', {
          tools: [
            {
              type: 'function',
              function: { name: 'bad', parameters: { type: 'object', properties: { x: { type: 'tensor' } } } },
            },
          ],
        }),
        message: /tools\[0\]\.function\.parameters\.properties\.x\.type: "tensor" is not a JSON Schema type/,
      },
      {
        body: ask('hi', {
          tools: [
            {
              type: 'function',
              function: {
                name: 'bad',
                parameters: { type: 'object', properties: { x: { $ref: 'https://example.com/s.json' } } },
              },
            },
          ],
        }),
        message: /properties\.x\.\$ref: reference https:\/\/example\.com\/s\.json cannot be followed/,
      },
      {
        body: ask('hi', { tools: TOOLS, tool_choice: { type: 'function', function: { name: 'launch' } } }),
        message: /tool_choice names launch, which is not in tools \(known: get_weather, search, list_jobs\)/,
      },
      { body: ask('hi', { max_tokens: -3 }), message: /max_tokens must be an integer/, param: 'max_tokens' },
    ];
    for (const c of cases) {
      const res = await post(c.body, c.raw !== undefined ? { raw: c.raw } : {});
      const body = (await res.json()) as { error: { message: string; type: string; param: string | null } };
      expect(res.status, body.error.message).toBe(400);
      expect(body.error.type).toBe('invalid_request_error');
      expect(body.error.message).toMatch(c.message);
      if (c.param) expect(body.error.param).toBe(c.param);
    }
    const after = await complete(ask('still there?', { max_tokens: 4 }));
    expect(after.usage.completion_tokens).toBeGreaterThan(0);
  });

  it('serves four agents at once from one context, and reports tokens/s per agent', async () => {
    const agents = ['agent-1', 'agent-2', 'agent-3', 'agent-4'];
    let maxBusy = 0;
    let done = false;
    const watching = (async () => {
      while (!done) {
        maxBusy = Math.max(maxBusy, (await host.status()).busy);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const answers = await Promise.all(
      agents.map((agent, i) =>
        new ChatClient({ url: host.url, key: host.key, agent }).complete(ask(`Story number ${i}`, { max_tokens: 300 })),
      ),
    );
    done = true;
    await watching;
    expect(answers.every((a) => a.usage.completion_tokens > 0)).toBe(true);
    expect(maxBusy).toBe(4);
    const status = await host.status();
    expect(status.state).toBe('ready');
    expect(status.sequences).toBe(4);
    expect(status.backend).toBe('cpu');
    expect(status.engine).toBe(engine);
    expect(status.url).toBe(host.url);
    expect(status.rss_bytes).toBeGreaterThan(0);
    for (const agent of agents) {
      const figures = status.per_agent[agent]!;
      expect(figures.requests).toBe(1);
      expect(figures.completion_tokens).toBeGreaterThan(0);
      expect(figures.tps).toBeGreaterThan(0);
    }
  });

  it('an agent keeps its sequence: its next turn reuses the cached prefix', async () => {
    const client = new ChatClient({ url: host.url, key: host.key, agent: 'agent-1' });
    const first = await client.complete(ask('Remember this line.', { max_tokens: 8 }));
    const second = await client.complete({
      messages: [
        { role: 'user', content: 'Remember this line.' },
        first.choices[0]!.message,
        { role: 'user', content: 'And now?' },
      ],
      max_tokens: 8,
    });
    expect(second.usage.prompt_tokens_details!.cached_tokens).toBeGreaterThanOrEqual(first.usage.prompt_tokens);
  });

  it("an agent's earlier turns stay cached while other agents run in between", async () => {
    const turn = (agent: string, content: string, before: ChatCompletionRequest['messages'] = []) =>
      new ChatClient({ url: host.url, key: host.key, agent }).complete({
        messages: [...before, { role: 'user', content }],
        max_tokens: 6,
      });
    const first = await turn('keeper', 'A long first question about the sea, the sky and the ships upon the water.');
    // two other agents take their turns (more than the one sequence each would need)
    await Promise.all([turn('other-1', 'Something else entirely.'), turn('other-2', 'And another thing.')]);
    const second = await turn('keeper', 'And then?', [
      { role: 'user', content: 'A long first question about the sea, the sky and the ships upon the water.' },
      first.choices[0]!.message,
    ]);
    expect(second.usage.prompt_tokens_details!.cached_tokens).toBeGreaterThanOrEqual(first.usage.prompt_tokens);
  });

  it('while paused a request waits (it is not refused) and runs after resume', async () => {
    await host.pause();
    expect((await host.status()).state).toBe('paused');
    let settled = false;
    const pending = post(ask('Are you paused?', { max_tokens: 6 })).then(async (res) => {
      settled = true;
      return res;
    });
    // Waits for the request to reach the host (it is queued there), not for a guess at how long that takes.
    await expect.poll(async () => (await host.status()).queued, { timeout: 20_000 }).toBe(1);
    expect(settled).toBe(false);
    await host.resume();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(((await res.json()) as ChatCompletion).usage.completion_tokens).toBeGreaterThan(0);
  });

  it('follows a GPU lease: paused while a benchmark holds it, serving again when it is given back', async () => {
    const listeners = new Set<(holder: { job: string } | null) => void>();
    const lease = {
      holder: null,
      onChange: (l: (holder: { job: string } | null) => void) => (listeners.add(l), () => listeners.delete(l)),
    };
    const unfollow = host.followLease(lease);
    const until = async (state: string) => {
      while ((await host.status()).state !== state) await new Promise((r) => setTimeout(r, 10));
    };
    listeners.forEach((l) => l({ job: 'job-1' }));
    await until('paused');
    listeners.forEach((l) => l(null));
    await until('ready');
    unfollow();
    expect(listeners.size).toBe(0);
  });

  it('a pause interrupts a running generation after its grace and runs it again after resume; a stream that sent text ends with an error', async () => {
    const waitBusy = async (n: number) => {
      while ((await host.status()).busy < n) await new Promise((r) => setTimeout(r, 5));
    };
    const quiet = complete(ask('A long answer please', { max_tokens: 1500 }), 'long-runner');
    const stream = await post(ask('A long streamed answer', { max_tokens: 1500, stream: true }), {
      agent: 'long-streamer',
    });
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    // read until some text has been streamed (the role chunk carries none)
    while (!sseEvents(text).some((e) => typeof e === 'object' && 'choices' in e && e.choices[0]?.delta.content)) {
      const { done, value } = await reader.read();
      expect(done).toBe(false);
      text += decoder.decode(value, { stream: true });
    }
    await waitBusy(2);
    const started = performance.now();
    await host.pause();
    // pause answers only once nothing runs: here after the 300 ms grace, by interrupting both
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect((await host.status()).busy).toBe(0);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const events = sseEvents(text);
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.some((e) => typeof e === 'object' && 'error' in e && /interrupted/.test(e.error.message))).toBe(true);
    await host.resume();
    const answer = await quiet;
    expect(answer.usage.completion_tokens).toBeGreaterThan(0);
  });

  it('a client that disconnects frees its sequence at once', async () => {
    const gone = new AbortController();
    const res = await fetch(`${host.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${host.key}` },
      body: JSON.stringify(ask('A very long answer', { max_tokens: 1800, stream: true })),
      signal: gone.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    expect((await host.status()).busy).toBe(1);
    const started = performance.now();
    gone.abort();
    while ((await host.status()).busy > 0) await new Promise((r) => setTimeout(r, 5));
    // 1800 tokens would take seconds; the abort ends it right away
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('dies with its parent, however the parent dies', async () => {
    if (process.platform === 'win32') return;
    // a parent that starts the host (as InferenceHost does: an IPC channel, a key) and is then killed with SIGKILL
    const parentScript = join(dir, 'parent.mjs');
    await writeFile(
      parentScript,
      `import { spawn } from 'node:child_process';
const child = spawn(process.execPath, [${JSON.stringify(builtEntry('inference-host'))}, '--model', ${JSON.stringify(join(dir, 'tiny.gguf'))}, '--sequences', '1', ...${JSON.stringify(engineArgs())}],
  { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: { PATH: process.env.PATH, COLLAB_DESK_INFERENCE_KEY: 'k' } });
child.stdout.on('data', (d) => { if (String(d).includes('"ready"')) console.log(child.pid); });
`,
    );
    const parent = spawn(process.execPath, [parentScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    const childPid = await new Promise<number>((resolve, reject) => {
      parent.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
      parent.once('exit', () => reject(new Error('the parent exited before its host was ready')));
    });
    expect(() => process.kill(childPid, 0)).not.toThrow();
    const started = (await childrenOf(childPid)).map((c) => c.pid);
    expect(started.length).toBe(engine === 'llama-server' ? 1 : 0);
    parent.kill('SIGKILL');
    try {
      await expect.poll(() => isAliveNow(childPid), { timeout: 15_000, interval: 50 }).toBe(false);
      // and what the host started went with it
      for (const pid of started)
        await expect.poll(() => isAliveNow(pid), { timeout: 15_000, interval: 50 }).toBe(false);
    } finally {
      for (const pid of [childPid, ...started]) if (await isAliveNow(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('exits when llama-server dies, so its supervisor starts both again', async () => {
    if (engine !== 'llama-server' || process.platform !== 'linux') return;
    let exited!: (e: { code: number | null; stderr: string }) => void;
    const exit = new Promise<{ code: number | null; stderr: string }>((r) => (exited = r));
    const second = await InferenceHost.start({
      model: join(dir, 'tiny.gguf'),
      sequences: 1,
      readyTimeoutMs: 20_000,
      llamaServer,
      onExit: (code, _signal, stderr) => exited({ code, stderr }),
    });
    try {
      const [server] = (await childrenOf(second.pid)).filter((c) => c.name === 'llama-server');
      process.kill(server!.pid, 'SIGKILL');
      const { code, stderr } = await exit;
      expect(code).toBe(1);
      expect(stderr).toMatch(/llama-server exited \(SIGKILL\)/);
    } finally {
      await second.stop();
    }
  });

  it('stop() ends the process', async () => {
    const pid = host.pid;
    await host.stop();
    expect(host.running).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    // The exit is reported by the process's exit event, which may land just after stop() resolves.
    await expect.poll(() => exits).toEqual([{ code: 0, signal: null }]);
  });
});
