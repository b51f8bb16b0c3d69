// One chat generation on one sequence through node-llama-cpp's LlamaChat: text, grammar-constrained JSON, forced or free tool calls.
import type { ChatModelFunctions, LlamaChat, LlamaGrammar } from 'node-llama-cpp';
import { parseCall, toToolCall, type GenerationMode, type PreparedRequest } from './chat-request';
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
  // The whole prompt as the chat wrapper renders it (ending in the model's turn, as generateResponse does): what an
  // OpenAI client counts as prompt tokens, cached or not.
  const history =
    request.history.at(-1)?.type === 'model'
      ? request.history
      : [...request.history, { type: 'model' as const, response: [] }];
  const promptTokens = chat.chatWrapper
    .generateContextState({
      chatHistory: history,
      ...(functions ? { availableFunctions: functions, documentFunctionParams: true } : {}),
    })
    .contextText.tokenize(chat.model.tokenizer).length;
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

  if (mode.kind === 'call') {
    const call = parseCall(mode, response.response);
    if (!call) {
      // Only a generation cut short by max_tokens ends outside the grammar: say so, with what was generated.
      return {
        ...figures,
        content: response.response,
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
  if (mode.kind === 'functions' && response.functionCalls && response.functionCalls.length > 0) {
    const toolCalls = response.functionCalls.map((fc) => toToolCall(fc.functionName, fc.params));
    const problems = response.functionCalls.flatMap((fc) =>
      schemaProblems(mode.tools.find((t) => t.name === fc.functionName)?.parameters, fc.params).map(
        (p) => `${fc.functionName} arguments ${p}`,
      ),
    );
    return {
      ...figures,
      content: response.response || null,
      toolCalls,
      finish: 'tool_calls',
      schemaProblems: problems,
    };
  }
  let problems: string[] = [];
  if (mode.kind === 'json' && !cutShort) {
    try {
      problems = schemaProblems(mode.schema, JSON.parse(response.response) as unknown).map((p) => `response ${p}`);
    } catch {
      problems = ['response is not complete JSON'];
    }
  }
  return {
    ...figures,
    content: response.response,
    toolCalls: [],
    finish: cutShort ? 'length' : 'stop',
    schemaProblems: problems,
  };
}
