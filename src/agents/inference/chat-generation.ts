// One chat generation on one sequence through node-llama-cpp's LlamaChat: text, grammar-constrained JSON, forced or free tool calls.
import {
  LlamaText,
  type ChatHistoryItem,
  type ChatModelFunctions,
  type ChatWrapper,
  type LlamaChat,
  type LlamaGrammar,
} from 'node-llama-cpp';
import { parseCall, toToolCall, type GenerationMode, type PreparedRequest, type PreparedTool } from './chat-request';
import { schemaProblems } from './json-schema-grammar';
import type { ChatToolCall, FinishReason } from './openai-types';

export interface Outcome {
  content: string | null;
  toolCalls: ChatToolCall[];
  finish: FinishReason;
  promptTokens: number;
  /** Prompt tokens already in the sequence's KV cache (the agent's earlier turns), not evaluated again. */
  cachedTokens: number;
  completionTokens: number;
  seconds: number;
  /** Generated arguments or JSON that the grammar allowed but the original schema refuses (rules the grammar cannot hold). */
  schemaProblems: string[];
}

function functionsOf(mode: Extract<GenerationMode, { kind: 'functions' }>): ChatModelFunctions {
  return Object.fromEntries(
    mode.tools.map((t) => [t.name, { ...(t.description ? { description: t.description } : {}), params: t.grammar }]),
  );
}

/**
 * The whole prompt as the chat wrapper renders it for this request: the history ending in the model's turn (a history
 * that already ends in it, e.g. after a tool result, is continued, as generateResponse does) and, when the model may
 * call tools freely, the tools documented in the wrapper's own syntax. A constrained call carries its tools in the
 * system note instead (see chat-request). ModelSlot.renderPrompt shows it as the model reads it, special tokens and all.
 */
export function renderPrompt(wrapper: ChatWrapper, request: Pick<PreparedRequest, 'history' | 'mode'>): LlamaText {
  const { history, mode } = request;
  const functions = mode.kind === 'functions' ? functionsOf(mode) : undefined;
  const chatHistory: ChatHistoryItem[] =
    history.at(-1)?.type === 'model' ? history : [...history, { type: 'model', response: [] }];
  return wrapper.generateContextState({
    chatHistory,
    ...(functions ? { availableFunctions: functions, documentFunctionParams: true } : {}),
  }).contextText;
}

/**
 * Complete tool calls written in the chat wrapper's own function-call syntax (`<tool_call>{"name": ...}</tool_call>`
 * for a ChatML template, `||call: name({...})` for Gemma 2, ...) -> OpenAI tool calls, and the text before the first.
 * node-llama-cpp catches a call as it is generated and constrains its arguments; this reads calls in finished text,
 * which a model can still write in a way the live detection misses (e.g. the prefix spelled out in plain characters
 * rather than as its special token). Arguments must be JSON; calls of tools not in `tools` are left as text.
 */
export function toolCallsInText(
  wrapper: ChatWrapper,
  text: string,
  tools: PreparedTool[],
): { calls: ChatToolCall[]; params: unknown[]; textBefore: string } {
  const syntax = wrapper.settings.functions.call;
  const prefixes = [syntax.prefix, ...(syntax.prefixAlternateMatches ?? [])].map((p) => LlamaText(p).toString());
  const piece = (part: typeof syntax.suffix, name: string) =>
    LlamaText(part).toString().replaceAll('{{functionName}}', name);
  const calls: ChatToolCall[] = [];
  const params: unknown[] = [];
  let textBefore: string | null = null;
  let at = 0;
  for (;;) {
    const found = prefixes
      .map((prefix) => ({ prefix, index: text.indexOf(prefix, at) }))
      .filter((f) => f.index >= 0)
      .sort((a, b) => a.index - b.index || b.prefix.length - a.prefix.length)[0];
    if (!found) break;
    const afterPrefix = found.index + found.prefix.length;
    const call = readCall(
      text,
      afterPrefix,
      tools,
      (name) => piece(syntax.paramsPrefix, name),
      (name) => piece(syntax.suffix, name),
    );
    if (!call) {
      at = afterPrefix;
      continue;
    }
    textBefore ??= text.slice(0, found.index).trimEnd();
    calls.push(toToolCall(call.name, call.params));
    params.push(call.params);
    at = call.end;
  }
  return { calls, params, textBefore: textBefore ?? text };
}

/** One call right after a prefix: a known tool's name, its params prefix, JSON arguments, the suffix. */
function readCall(
  text: string,
  start: number,
  tools: PreparedTool[],
  paramsPrefix: (name: string) => string,
  suffix: (name: string) => string,
): { name: string; params: unknown; end: number } | null {
  // The longest name first: "search" must not claim a call of "search_notes".
  for (const tool of [...tools].sort((a, b) => b.name.length - a.name.length)) {
    const opening = tool.name + paramsPrefix(tool.name);
    const closing = suffix(tool.name);
    if (!text.startsWith(opening, start)) continue;
    const from = start + opening.length;
    // The arguments end at the first suffix after which they parse: JSON strings may hold the suffix's characters.
    for (let end = text.indexOf(closing, from); end >= 0; end = text.indexOf(closing, end + 1)) {
      const raw = text.slice(from, end);
      try {
        return {
          name: tool.name,
          params: raw.trim() === '' ? {} : (JSON.parse(raw) as unknown),
          end: end + closing.length,
        };
      } catch {
        // not yet the end of the arguments
      }
    }
  }
  return null;
}

/**
 * Generates one answer. `onText` hears the answer's text as it arrives (not a constrained call's JSON, which is
 * only a call once complete). Throws the signal's reason when aborted.
 */
export async function generate(
  chat: LlamaChat,
  request: PreparedRequest,
  grammar: LlamaGrammar | null,
  maxTokens: number,
  signal: AbortSignal,
  onText: (text: string) => void,
): Promise<Outcome> {
  const { mode } = request;
  const sequence = chat.sequence;
  const functions = mode.kind === 'functions' ? functionsOf(mode) : undefined;
  // what an OpenAI client counts as prompt tokens, cached or not
  const promptTokens = renderPrompt(chat.chatWrapper, request).tokenize(chat.model.tokenizer).length;
  const wasEmpty = sequence.nextTokenIndex === 0;
  const inputBefore = sequence.tokenMeter.usedInputTokens;
  const outputBefore = sequence.tokenMeter.usedOutputTokens;
  const common = {
    maxTokens,
    temperature: request.temperature,
    ...(request.topP !== undefined ? { topP: request.topP } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.stop.length > 0 ? { customStopTriggers: request.stop } : {}),
    signal,
    // no tokenBias, ever: with a grammar it can crash the process with an uncatchable rejection (field notes)
  };
  const started = performance.now();
  const response = functions
    ? await chat.generateResponse(request.history, {
        ...common,
        functions,
        documentFunctionParams: true,
        ...(mode.kind === 'functions' && !mode.parallel ? { maxParallelFunctionCalls: 1 } : {}),
        onTextChunk: onText,
      })
    : await chat.generateResponse(request.history, {
        ...common,
        ...(grammar ? { grammar } : {}),
        ...(mode.kind === 'call' ? {} : { onTextChunk: onText }),
      });
  const seconds = (performance.now() - started) / 1000;
  const evaluated = sequence.tokenMeter.usedInputTokens - inputBefore;
  const figures = {
    promptTokens,
    // on an empty sequence the meter reads one token short of the rendered prompt; nothing can be cached there
    cachedTokens: wasEmpty ? 0 : Math.max(0, promptTokens - evaluated),
    completionTokens: sequence.tokenMeter.usedOutputTokens - outputBefore,
    seconds,
  };
  const cutShort = response.metadata.stopReason === 'maxTokens';
  const caught = mode.kind === 'functions' ? (response.functionCalls ?? []) : [];
  return outcomeOf(
    request,
    chat.chatWrapper,
    response.response,
    cutShort,
    figures,
    caught.map((fc) => ({ name: fc.functionName, params: fc.params })),
  );
}

/** The figures of one generation, whichever engine ran it. */
export type GenerationFigures = Pick<Outcome, 'promptTokens' | 'cachedTokens' | 'completionTokens' | 'seconds'>;

/**
 * What a finished generation answers, whichever engine ran it: a forced call parsed from its grammar-shaped JSON,
 * free calls caught live by the engine (`caught`) or written in the wrapper's syntax in the text, JSON checked
 * against its schema, or text; `cutShort` when max_tokens ended it.
 */
export function outcomeOf(
  request: Pick<PreparedRequest, 'mode'>,
  wrapper: ChatWrapper,
  text: string,
  cutShort: boolean,
  figures: GenerationFigures,
  caught: { name: string; params: unknown }[],
): Outcome {
  const { mode } = request;

  if (mode.kind === 'call') {
    const call = parseCall(mode, text);
    if (!call) {
      // Only a generation cut short by max_tokens ends outside the grammar: say so, with what was generated.
      return {
        ...figures,
        content: text,
        toolCalls: [],
        finish: cutShort ? 'length' : 'stop',
        schemaProblems: [],
      };
    }
    return {
      ...figures,
      content: null,
      toolCalls: [toToolCall(call.tool.name, call.args)],
      finish: 'tool_calls',
      schemaProblems: schemaProblems(call.tool.parameters, call.args).map((p) => `${call.tool.name} arguments ${p}`),
    };
  }
  if (mode.kind === 'functions' && caught.length === 0) {
    // complete calls in the wrapper's syntax that the live detection missed still reach the agent as tool calls
    const written = toolCallsInText(wrapper, text, mode.tools);
    if (written.calls.length > 0) {
      const calls = mode.parallel ? written.calls : written.calls.slice(0, 1);
      return {
        ...figures,
        content: written.textBefore || null,
        toolCalls: calls,
        finish: 'tool_calls',
        schemaProblems: calls.flatMap((call, i) =>
          schemaProblems(mode.tools.find((t) => t.name === call.function.name)?.parameters, written.params[i]).map(
            (p) => `${call.function.name} arguments ${p}`,
          ),
        ),
      };
    }
  }
  if (mode.kind === 'functions' && caught.length > 0) {
    const toolCalls = caught.map((fc) => toToolCall(fc.name, fc.params));
    const problems = caught.flatMap((fc) =>
      schemaProblems(mode.tools.find((t) => t.name === fc.name)?.parameters, fc.params).map(
        (p) => `${fc.name} arguments ${p}`,
      ),
    );
    return {
      ...figures,
      content: text || null,
      toolCalls,
      finish: 'tool_calls',
      schemaProblems: problems,
    };
  }
  let problems: string[] = [];
  if (mode.kind === 'json' && !cutShort) {
    try {
      problems = schemaProblems(mode.schema, JSON.parse(text) as unknown).map((p) => `response ${p}`);
    } catch {
      problems = ['response is not complete JSON'];
    }
  }
  return {
    ...figures,
    content: text,
    toolCalls: [],
    finish: cutShort ? 'length' : 'stop',
    schemaProblems: problems,
  };
}

/** One of the host's sequences, whichever engine decodes it: what a request holds while it generates. */
export interface GenerationSequence {
  /** Tokens this sequence holds: max_tokens is never more. */
  readonly contextSize: number;
  /** Generates one answer (see `generate`); throws the signal's reason when aborted. */
  generate(
    request: PreparedRequest,
    grammar: LlamaGrammar | null,
    maxTokens: number,
    signal: AbortSignal,
    onText: (text: string) => void,
  ): Promise<Outcome>;
}

/** A sequence of node-llama-cpp's context, with the LlamaChat that keeps its history's KV cache between turns. */
export class LlamaChatSequence implements GenerationSequence {
  constructor(readonly chat: LlamaChat) {}

  get contextSize(): number {
    return this.chat.sequence.contextSize;
  }

  generate(
    request: PreparedRequest,
    grammar: LlamaGrammar | null,
    maxTokens: number,
    signal: AbortSignal,
    onText: (text: string) => void,
  ): Promise<Outcome> {
    return generate(this.chat, request, grammar, maxTokens, signal, onText);
  }
}
