// Agents on real chat formats: generated models carrying real chat templates, the exact prompts the host writes, tool calls read back.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { getLlama, LlamaLogLevel, readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolCallsInText } from '../../src/agents/inference/chat-generation';
import { prepareRequest } from '../../src/agents/inference/chat-request';
import { InferenceHost } from '../../src/agents/inference/inference-host';
import { DEFAULT_BOUNDS } from '../../src/agents/inference/json-schema-grammar';
import { ModelSlot } from '../../src/agents/inference/model-slot';
import type { ChatCompletion, ChatCompletionRequest, ChatTool } from '../../src/agents/inference/openai-types';
import { CHAT_TEMPLATES, type ChatTemplateName } from '../../src/bench/gguf/chat-templates';
import { DEFAULT_FAMILY, writeLlamaModel } from '../../src/bench/gguf/tiny-llama';
import { WEATHER } from '../helpers/chat-tools';

let dir: string;
const models = {} as Record<ChatTemplateName | 'plain', string>;

/** Tools whose schemas the grammar holds fully, so a constrained call must validate against them. */
const TOOLS: ChatTool[] = [
  WEATHER,
  {
    type: 'function',
    function: {
      name: 'search',
      description: 'Search the notes',
      parameters: {
        type: 'object',
        properties: {
          query: { type: 'string', maxLength: 40 },
          tags: { type: 'array', items: { type: 'string', enum: ['gpu', 'cpu'] }, maxItems: 2 },
        },
        required: ['query'],
      },
    },
  },
];

/** System, user, the assistant's tool call, the tool's result: the turn an agent is in after using a tool. */
const AFTER_A_TOOL_CALL: ChatCompletionRequest['messages'] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Weather in Paris?' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
  },
  { role: 'tool', tool_call_id: 'call_1', content: '{"temp_c":21}' },
];

/** The host's model slots (node-llama-cpp, llama.cpp on the CPU), one per model, opened once: opening resolves the format. */
const slots = {} as Record<keyof typeof models, ModelSlot>;

async function openSlot(model: string): Promise<ModelSlot> {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
  const slot = new ModelSlot(llama, { model, sequences: 1, threads: 1, log: () => {} });
  await slot.open();
  return slot;
}

async function withSlot<T>(model: keyof typeof models, use: (slot: ModelSlot) => T | Promise<T>): Promise<T> {
  return use(slots[model]);
}

/** The prompt the host renders for an OpenAI request body. */
const promptFor = (slot: ModelSlot, body: Record<string, unknown>) =>
  slot.renderPrompt(prepareRequest(body, DEFAULT_BOUNDS));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chat-templates-'));
  const spec = { ...DEFAULT_FAMILY, dropLayers: 0, ctx: 4096, type: 'f32' as const };
  for (const name of ['gemma', 'gemma4', 'chatml'] as const) {
    models[name] = (await writeLlamaModel(join(dir, `${name}.gguf`), { ...spec, chatTemplate: name })).path;
  }
  models.plain = (await writeLlamaModel(join(dir, 'plain.gguf'), spec)).path;
  for (const name of Object.keys(models) as Array<keyof typeof models>) slots[name] = await openSlot(models[name]);
});

afterAll(async () => {
  for (const slot of Object.values(slots)) {
    await slot.stop();
    await slot.dispose();
  }
  await rm(dir, { recursive: true, force: true });
});

describe('generated models carry real chat templates', () => {
  it('writes the template, its special tokens (as control tokens) and the end-of-turn token into the GGUF', async () => {
    for (const name of ['gemma', 'gemma4', 'chatml'] as const) {
      const template = CHAT_TEMPLATES[name];
      const { metadata } = await readGgufFileInfo(models[name]);
      const tokenizer = metadata.tokenizer;
      expect(tokenizer.chat_template).toBe(template.jinja);
      const tokens = tokenizer.ggml.tokens as string[];
      const types = tokenizer.ggml.token_type as number[];
      for (const special of template.controlTokens) expect(types[tokens.indexOf(special)], special).toBe(3);
      for (const added of template.userDefinedTokens) expect(types[tokens.indexOf(added)], added).toBe(4);
      expect(tokens[tokenizer.ggml.eot_token_id as number]).toBe(template.endOfTurn);
    }
    const plain = await readGgufFileInfo(models.plain);
    expect(plain.metadata.tokenizer.chat_template).toBeUndefined();
  });

  it('refuses an unknown template name, naming the ones it has', async () => {
    await expect(
      writeLlamaModel(join(dir, 'bad.gguf'), {
        ...DEFAULT_FAMILY,
        type: 'f32',
        chatTemplate: 'mistral' as ChatTemplateName,
      }),
    ).rejects.toThrow('spec.chatTemplate must be one of gemma, gemma4, chatml (not "mistral")');
  });
});

describe('the host takes the chat format from the model', () => {
  it('picks the wrapper the template asks for, and says it came from the template', async () => {
    const formats = {} as Record<keyof typeof models, unknown>;
    for (const name of Object.keys(models) as Array<keyof typeof models>) {
      formats[name] = await withSlot(name, (slot) => slot.chatFormat);
    }
    expect(formats).toEqual({
      gemma: { name: 'Gemma', fromModelTemplate: true },
      gemma4: { name: 'Gemma 4', fromModelTemplate: true },
      // Qwen's template writes tools its own way (<tools>, <tool_call>): node-llama-cpp runs the template itself
      chatml: { name: 'JinjaTemplate', fromModelTemplate: true },
      // no template: as before, a guess from the BOS token
      plain: { name: 'Llama2Chat', fromModelTemplate: false },
    });
  });

  it('Gemma: the exact prompt for system + user + tool call + tool result, with tools, special tokens whole', async () => {
    await withSlot('gemma', async (slot) => {
      const prompt = promptFor(slot, { messages: AFTER_A_TOOL_CALL, tools: [WEATHER] });
      expect(prompt.text).toBe(
        [
          // Gemma has no system turn: the system text leads the first user turn
          '<s><start_of_turn>user\nYou are terse.\n\n',
          'The assistant calls the provided functions as needed to retrieve information instead of relying on existing knowledge.\n',
          'To fulfill a request, the assistant calls relevant functions in advance when needed before responding to the request, and does not tell the user prior to calling a function.\n',
          'Provided functions:\n```typescript\n// The weather in a city\nfunction get_weather(params: {\n    // maximum length: 24\n    city: string\n});\n```\n\n',
          'Calling any of the provided functions can be done like this:\n||call: getSomeInfo({"someKey": "someValue"})\n\n',
          'Note that the || prefix is mandatory.\n',
          'The assistant does not inform the user about using functions and does not explain anything before calling a function.\n',
          'After calling a function, the raw result appears afterwards and is not part of the conversation.\n',
          'To make information be part of the conversation, the assistant paraphrases and repeats the information without the function syntax.\n\n',
          '---\n\nWeather in Paris?<end_of_turn>\n',
          // the model's turn continues after the result (Gemma 2 has no tool format of its own)
          '<start_of_turn>model\n||call: get_weather({"city": "Paris"})\n||result: {"temp_c": 21}\n',
        ].join(''),
      );
      const counts = await specialTokens(models.gemma, prompt, ['<start_of_turn>', '<end_of_turn>']);
      expect(counts.inText).toEqual({ '<start_of_turn>': 2, '<end_of_turn>': 1 });
      expect(counts.asTokens).toEqual(counts.inText);
    });
  });

  it('ChatML (Qwen 2.5): the exact prompt, tools and the earlier call in the template’s own syntax', async () => {
    await withSlot('chatml', async (slot) => {
      const prompt = promptFor(slot, { messages: AFTER_A_TOOL_CALL, tools: [WEATHER] });
      expect(prompt.text).toBe(
        [
          '<|im_start|>system\nYou are terse.\n\n# Tools\n\n',
          'You may call one or more functions to assist with the user query.\n\n',
          'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n',
          '{"type": "function", "function": {"name": "get_weather", "description": "The weather in a city", "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 24}}}}}\n',
          '</tools>\n\n',
          'For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n',
          '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n',
          '<|im_start|>user\nWeather in Paris?<|im_end|>\n',
          '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n',
          '<|im_start|>user\n<tool_response>\n{"temp_c": 21}\n</tool_response><|im_end|>\n',
          '<|im_start|>assistant\n',
        ].join(''),
      );
      const counts = await specialTokens(models.chatml, prompt, ['<|im_start|>', '<|im_end|>', '<tool_call>']);
      expect(counts.inText).toEqual({ '<|im_start|>': 5, '<|im_end|>': 4, '<tool_call>': 3 });
      expect(counts.asTokens).toEqual(counts.inText);
    });
  });

  it('Gemma 4: the exact prompt, in node-llama-cpp’s Gemma 4 format', async () => {
    await withSlot('gemma4', async (slot) => {
      const prompt = promptFor(slot, { messages: AFTER_A_TOOL_CALL, tools: [WEATHER] });
      expect(prompt.text).toBe(
        [
          '<s><|turn>system\n<|think|>\nYou are terse.',
          '<|tool>declaration:get_weather{{"description": "The weather in a city", "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 24}}}}}<tool|><turn|>\n',
          '<|turn>user\nWeather in Paris?<turn|>\n',
          '<|turn>model\n<|tool_call>call:get_weather{{"city": "Paris"}}<tool_call|>',
          '<tool_response>response:get_weather{{"temp_c": 21}}</tool_response>',
        ].join(''),
      );
      const counts = await specialTokens(models.gemma4, prompt, ['<|turn>', '<turn|>', '<|tool_call>', '<|think|>']);
      expect(counts.inText).toEqual({ '<|turn>': 3, '<turn|>': 2, '<|tool_call>': 1, '<|think|>': 1 });
      expect(counts.asTokens).toEqual(counts.inText);
    });
  });

  it('the model without a template keeps the generic format it had', async () => {
    await withSlot('plain', (slot) => {
      const prompt = promptFor(slot, { messages: [{ role: 'user', content: 'Hi' }] });
      // the spaces are llama.cpp's SentencePiece space prefix, which these models never turned off
      expect(prompt.text).toBe('<s> [INST] Hi  [/INST] ');
    });
  });
});

describe('tool calls written in the model’s own syntax parse into OpenAI tool calls', () => {
  const tools = prepareRequest({ messages: [{ role: 'user', content: 'x' }], tools: TOOLS }, DEFAULT_BOUNDS)
    .mode as Extract<ReturnType<typeof prepareRequest>['mode'], { kind: 'functions' }>;

  const parsed = (result: ReturnType<typeof toolCallsInText>) => ({
    textBefore: result.textBefore,
    calls: result.calls.map((c) => ({ name: c.function.name, args: JSON.parse(c.function.arguments) as unknown })),
  });

  it('ChatML: <tool_call> blocks, two in a row, the text before them kept as content', async () => {
    await withSlot('chatml', (slot) => {
      const text =
        'Let me look.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n' +
        '<tool_call>\n{"name": "search", "arguments": {"query": "a}\\n</tool_call> inside", "tags": ["gpu"]}}\n</tool_call>';
      const result = toolCallsInText(slot.chatWrapper!, text, tools.tools);
      expect(parsed(result)).toEqual({
        textBefore: 'Let me look.',
        calls: [
          { name: 'get_weather', args: { city: 'Paris' } },
          { name: 'search', args: { query: 'a}\n</tool_call> inside', tags: ['gpu'] } },
        ],
      });
      expect(result.calls[0]).toMatchObject({ type: 'function', id: expect.stringMatching(/^call_/) });
    });
  });

  it('Gemma: ||call: name({...}), an argument holding ")" included', async () => {
    await withSlot('gemma', (slot) => {
      const result = toolCallsInText(slot.chatWrapper!, '||call: search({"query": "f(x) )"})', tools.tools);
      expect(parsed(result)).toEqual({ textBefore: '', calls: [{ name: 'search', args: { query: 'f(x) )' } }] });
    });
  });

  it('Gemma 4: <|tool_call>call:name{...}<tool_call|>', async () => {
    await withSlot('gemma4', (slot) => {
      const text = '<|tool_call>call:get_weather{{"city": "Oslo"}}<tool_call|>';
      expect(parsed(toolCallsInText(slot.chatWrapper!, text, tools.tools))).toEqual({
        textBefore: '',
        calls: [{ name: 'get_weather', args: { city: 'Oslo' } }],
      });
    });
  });

  it('reads back the call the host wrote into the prompt; calls of unknown tools and broken JSON stay text', async () => {
    await withSlot('chatml', (slot) => {
      const prompt = promptFor(slot, { messages: AFTER_A_TOOL_CALL, tools: [WEATHER] }).text;
      // the template's own example (<function-name>) is no call; the assistant's earlier call is
      expect(parsed(toolCallsInText(slot.chatWrapper!, prompt, tools.tools)).calls).toEqual([
        { name: 'get_weather', args: { city: 'Paris' } },
      ]);
      const notCalls =
        '<tool_call>\n{"name": "delete_all", "arguments": {}}\n</tool_call>' +
        '<tool_call>\n{"name": "search", "arguments": {"query": "unterminated}\n</tool_call>';
      expect(toolCallsInText(slot.chatWrapper!, notCalls, tools.tools)).toEqual({
        calls: [],
        params: [],
        textBefore: notCalls,
      });
    });
  });
});

describe('the host generates on templated models end to end', () => {
  const hosts = {} as Record<'gemma' | 'chatml' | 'gemma4', InferenceHost>;
  const ajv = new Ajv({ strict: false });

  beforeAll(async () => {
    for (const name of ['gemma', 'chatml', 'gemma4'] as const) {
      hosts[name] = await InferenceHost.start({ model: models[name], sequences: 1, readyTimeoutMs: 30_000 });
    }
  });

  afterAll(async () => {
    await Promise.all(Object.values(hosts).map((h) => h.stop()));
  });

  async function complete(host: InferenceHost, body: ChatCompletionRequest): Promise<ChatCompletion> {
    const res = await fetch(`${host.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${host.key}` },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as ChatCompletion & { error?: { message: string } };
    expect(res.status, json.error?.message).toBe(200);
    return json;
  }

  it('/v1/models says which chat format the model brought', async () => {
    const expected = { gemma: 'Gemma', chatml: 'JinjaTemplate', gemma4: 'Gemma 4' };
    for (const [name, host] of Object.entries(hosts)) {
      const res = await fetch(`${host.url}/models`, { headers: { authorization: `Bearer ${host.key}` } });
      const body = (await res.json()) as { data: Array<{ id: string; chat_format: unknown }> };
      expect(body.data).toEqual([
        expect.objectContaining({
          id: name,
          chat_format: { name: expected[name as keyof typeof expected], from_model_template: true },
        }),
      ]);
    }
  });

  it.each(['gemma', 'chatml', 'gemma4'] as const)(
    '%s: tool_choice "required" after a tool result returns one call whose arguments follow its schema',
    async (name) => {
      for (const seed of [1, 2]) {
        const answer = await complete(hosts[name], {
          model: name,
          messages: [...AFTER_A_TOOL_CALL, { role: 'user', content: 'Now search the notes about it.' }],
          tools: TOOLS,
          tool_choice: 'required',
          max_tokens: 400,
          temperature: 1,
          seed,
        });
        const choice = answer.choices[0]!;
        expect(choice.finish_reason).toBe('tool_calls');
        expect(choice.message.tool_calls).toHaveLength(1);
        const call = choice.message.tool_calls![0]!;
        const tool = TOOLS.find((t) => t.function.name === call.function.name);
        expect(tool, `unknown tool ${call.function.name}`).toBeDefined();
        const args = JSON.parse(call.function.arguments) as unknown;
        expect(ajv.validate(tool!.function.parameters!, args), `${call.function.arguments}: ${ajv.errorsText()}`).toBe(
          true,
        );
      }
    },
  );

  it.each(['gemma', 'chatml', 'gemma4'] as const)(
    '%s: a free answer after a tool result is generated from the prompt rendered above',
    async (name) => {
      const answer = await complete(hosts[name], {
        model: name,
        messages: AFTER_A_TOOL_CALL,
        tools: [WEATHER],
        max_tokens: 16,
        temperature: 0,
      });
      const expectedTokens = await withSlot(
        name,
        (slot) => promptFor(slot, { messages: AFTER_A_TOOL_CALL, tools: [WEATHER] }).tokens.length,
      );
      expect(answer.usage.prompt_tokens).toBe(expectedTokens);
      expect(['stop', 'length', 'tool_calls']).toContain(answer.choices[0]!.finish_reason);
    },
  );
});

/**
 * Each special token's occurrences in the prompt text, and how many of the prompt's tokens are that token's own id:
 * equal when every occurrence was read as the one token (not spelled out character by character).
 */
async function specialTokens(model: string, prompt: { text: string; tokens: number[] }, specials: string[]) {
  const vocab = (await readGgufFileInfo(model)).metadata.tokenizer.ggml.tokens as string[];
  return {
    inText: Object.fromEntries(specials.map((s) => [s, prompt.text.split(s).length - 1])),
    asTokens: Object.fromEntries(specials.map((s) => [s, prompt.tokens.filter((t) => t === vocab.indexOf(s)).length])),
  };
}
