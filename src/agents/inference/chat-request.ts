// Checks an OpenAI chat request and turns it into what node-llama-cpp generates from: a chat history and a generation mode.
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse, GbnfJsonSchema } from 'node-llama-cpp';
import { ApiError } from './api-error';
import { SchemaConversionError, toGbnfJsonSchema, type GrammarBounds } from './json-schema-grammar';
import { schemaSignature } from './schema-signature';
import type { ChatToolCall, JsonSchema } from './openai-types';

export interface PreparedTool {
  name: string;
  description?: string;
  /** The schema as the client sent it: generated arguments are checked against it. */
  parameters?: JsonSchema;
  /** The bounded grammar schema of its arguments. */
  grammar: GbnfJsonSchema;
}

/**
 * How the answer is generated:
 * - text: free text;
 * - json: constrained by a grammar (response_format);
 * - call: constrained to exactly one call of one of `tools` (tool_choice "required" or a named function);
 * - functions: free text in which the model may call tools in its chat wrapper's own syntax (tool_choice "auto").
 */
export type GenerationMode =
  | { kind: 'text' }
  | { kind: 'json'; grammar: GbnfJsonSchema; schema?: JsonSchema }
  | { kind: 'call'; tools: PreparedTool[]; named: boolean }
  | { kind: 'functions'; tools: PreparedTool[]; parallel: boolean };

export interface PreparedRequest {
  history: ChatHistoryItem[];
  mode: GenerationMode;
  maxTokens: number | undefined;
  temperature: number;
  topP: number | undefined;
  seed: number | undefined;
  stop: string[];
  stream: boolean;
  includeUsage: boolean;
  user: string | undefined;
}

type Json = { [key: string]: unknown };

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (message: string, param: string | null) => new ApiError(400, message, 'invalid_request_error', param);

/** Message content as text: a string, or the text parts of an array (other parts need a model that can see). */
function contentText(content: unknown, param: string, nullable = false): string {
  if (typeof content === 'string') return content;
  if ((content === null || content === undefined) && nullable) return '';
  if (Array.isArray(content)) {
    return content
      .map((part: unknown, i) => {
        if (!isObject(part) || part.type !== 'text' || typeof part.text !== 'string') {
          throw bad(
            `${param}[${i}] is not a text part ({"type": "text", "text": "..."}): this host serves a text model, so images, audio and files are not understood`,
            `${param}[${i}]`,
          );
        }
        return part.text;
      })
      .join('');
  }
  throw bad(`${param} must be a string or an array of text parts`, param);
}

/** Tool results are JSON more often than not; parsed, the chat wrapper renders them as JSON rather than as a quoted string. */
function toolResult(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * OpenAI messages -> node-llama-cpp's chat history. Assistant tool calls become ChatModelFunctionCall items with the
 * result of the matching `tool` message filled in, so each chat wrapper renders them in its model's own function
 * calling syntax (rather than a plain-text rendering of ours the model was never trained on).
 */
export function toChatHistory(messages: unknown): ChatHistoryItem[] {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw bad(
      'messages is required: a non-empty array of {"role": "system" | "user" | "assistant" | "tool", "content": ...}',
      'messages',
    );
  }
  const history: ChatHistoryItem[] = [];
  const pendingCalls = new Map<string, ChatModelFunctionCall>();
  for (const [i, message] of messages.entries()) {
    const param = `messages[${i}]`;
    if (!isObject(message)) throw bad(`${param} must be an object with a role and a content`, param);
    switch (message.role) {
      case 'system':
      case 'developer':
        history.push({ type: 'system', text: contentText(message.content, `${param}.content`) });
        break;
      case 'user':
        history.push({ type: 'user', text: contentText(message.content, `${param}.content`) });
        break;
      case 'assistant': {
        const response: ChatModelResponse['response'] = [];
        const text = contentText(message.content, `${param}.content`, true);
        if (text) response.push(text);
        const calls = message.tool_calls;
        if (calls !== undefined && calls !== null) {
          if (!Array.isArray(calls)) throw bad(`${param}.tool_calls must be an array`, `${param}.tool_calls`);
          for (const [j, call] of calls.entries()) {
            const fc = toFunctionCall(call, `${param}.tool_calls[${j}]`);
            response.push(fc.item);
            pendingCalls.set(fc.id, fc.item);
          }
        }
        history.push({ type: 'model', response });
        break;
      }
      case 'tool': {
        if (typeof message.tool_call_id !== 'string')
          throw bad(
            `${param}.tool_call_id is required: the id of the assistant's tool call this answers`,
            `${param}.tool_call_id`,
          );
        const call = pendingCalls.get(message.tool_call_id);
        if (!call) {
          throw bad(
            `${param} answers tool call ${message.tool_call_id}, which no earlier assistant message made: a tool message must follow the assistant message whose tool_calls hold its id`,
            `${param}.tool_call_id`,
          );
        }
        call.result = toolResult(contentText(message.content, `${param}.content`));
        pendingCalls.delete(message.tool_call_id);
        break;
      }
      default:
        throw bad(
          `${param}.role must be one of system, developer, user, assistant, tool (not ${JSON.stringify(message.role)})`,
          `${param}.role`,
        );
    }
  }
  return history;
}

function toFunctionCall(call: unknown, param: string): { id: string; item: ChatModelFunctionCall } {
  if (!isObject(call) || !isObject(call.function) || typeof call.function.name !== 'string') {
    throw bad(
      `${param} must be {"id": ..., "type": "function", "function": {"name": ..., "arguments": "<JSON text>"}}`,
      param,
    );
  }
  const args = call.function.arguments;
  let params: unknown;
  if (args === undefined || args === '') params = {};
  else if (typeof args === 'string') {
    try {
      params = JSON.parse(args) as unknown;
    } catch {
      throw bad(`${param}.function.arguments is not valid JSON: ${args.slice(0, 80)}`, `${param}.function.arguments`);
    }
  } else params = args; // some clients send the object itself
  const id = typeof call.id === 'string' ? call.id : '';
  // result stays undefined (rendered as "void") until a tool message answers it
  return { id, item: { type: 'functionCall', name: call.function.name, params, result: undefined } };
}

function prepareTools(tools: unknown, bounds: GrammarBounds): PreparedTool[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools))
    throw bad(
      'tools must be an array of {"type": "function", "function": {"name", "description", "parameters"}}',
      'tools',
    );
  const seen = new Set<string>();
  return tools.map((tool: unknown, i) => {
    const param = `tools[${i}]`;
    if (!isObject(tool) || tool.type !== 'function' || !isObject(tool.function)) {
      throw bad(`${param} must be {"type": "function", "function": {"name": ..., "parameters": {...}}}`, param);
    }
    const fn = tool.function;
    if (typeof fn.name !== 'string' || !TOOL_NAME.test(fn.name)) {
      throw bad(
        `${param}.function.name must be 1-64 letters, digits, _ or - (not ${JSON.stringify(fn.name)})`,
        `${param}.function.name`,
      );
    }
    if (seen.has(fn.name))
      throw bad(
        `${param}.function.name ${fn.name} is used by two tools: names must be unique`,
        `${param}.function.name`,
      );
    seen.add(fn.name);
    const parameters = fn.parameters as JsonSchema | undefined;
    if (parameters !== undefined && !isObject(parameters) && typeof parameters !== 'boolean') {
      throw bad(`${param}.function.parameters must be a JSON Schema object`, `${param}.function.parameters`);
    }
    return {
      name: fn.name,
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      ...(parameters !== undefined ? { parameters } : {}),
      grammar: grammarFor(parameters, `${param}.function.parameters`, bounds),
    };
  });
}

function grammarFor(schema: JsonSchema | undefined, param: string, bounds: GrammarBounds): GbnfJsonSchema {
  try {
    return toGbnfJsonSchema(schema, param, bounds);
  } catch (err) {
    if (err instanceof SchemaConversionError)
      throw bad(`cannot constrain generation to this schema: ${err.message}`, err.path);
    throw err;
  }
}

function prepareMode(body: Json, tools: PreparedTool[], bounds: GrammarBounds): GenerationMode {
  const choice = body.tool_choice ?? (tools.length > 0 ? 'auto' : 'none');
  const named =
    isObject(choice) &&
    choice.type === 'function' &&
    isObject(choice.function) &&
    typeof choice.function.name === 'string';
  if (!named && !['none', 'auto', 'required'].includes(choice as string)) {
    throw bad(
      'tool_choice must be "none", "auto", "required" or {"type": "function", "function": {"name": ...}}',
      'tool_choice',
    );
  }
  const format = body.response_format;
  let json: GenerationMode | null = null;
  if (format !== undefined && format !== null) {
    if (!isObject(format) || !['text', 'json_object', 'json_schema'].includes(String(format.type))) {
      throw bad('response_format must be {"type": "text" | "json_object" | "json_schema", ...}', 'response_format');
    }
    if (format.type === 'json_object') {
      // an object of any keys, each holding a bounded value (a schema `{}` per key, see json-schema-grammar)
      json = {
        kind: 'json',
        grammar: grammarFor({ type: 'object', additionalProperties: {} }, 'response_format', bounds),
      };
    } else if (format.type === 'json_schema') {
      const schema = isObject(format.json_schema) ? (format.json_schema.schema as JsonSchema | undefined) : undefined;
      if (schema === undefined || (!isObject(schema) && typeof schema !== 'boolean')) {
        throw bad(
          'response_format.json_schema.schema is required: the JSON Schema the answer must follow',
          'response_format.json_schema.schema',
        );
      }
      json = { kind: 'json', grammar: grammarFor(schema, 'response_format.json_schema.schema', bounds), schema };
    }
  }

  if (choice === 'none' || tools.length === 0) {
    if (choice !== 'none' && choice !== 'auto')
      throw bad(`tool_choice ${JSON.stringify(choice)} needs tools, and the request has none`, 'tool_choice');
    return json ?? { kind: 'text' };
  }
  if (json)
    throw bad(
      'response_format json cannot be combined with tools here (both constrain the output): send tool_choice "none", or no response_format',
      'response_format',
    );
  if (choice === 'auto') return { kind: 'functions', tools, parallel: body.parallel_tool_calls !== false };
  if (choice === 'required') return { kind: 'call', tools, named: false };
  if (
    isObject(choice) &&
    choice.type === 'function' &&
    isObject(choice.function) &&
    typeof choice.function.name === 'string'
  ) {
    const name = choice.function.name;
    const tool = tools.find((t) => t.name === name);
    if (!tool)
      throw bad(
        `tool_choice names ${name}, which is not in tools (known: ${tools.map((t) => t.name).join(', ')})`,
        'tool_choice.function.name',
      );
    return { kind: 'call', tools: [tool], named: true };
  }
  throw bad(
    'tool_choice must be "none", "auto", "required" or {"type": "function", "function": {"name": ...}}',
    'tool_choice',
  );
}

function optionalNumber(body: Json, key: string, min: number, max: number, integer = false): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw bad(
      `${key} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (not ${JSON.stringify(v)})`,
      key,
    );
  }
  return v;
}

/** Checks a request body (already parsed JSON) and prepares it; every refusal names the field and says what it must be. */
export function prepareRequest(body: unknown, bounds: GrammarBounds): PreparedRequest {
  if (!isObject(body)) throw bad('the request body must be a JSON object with "messages"', null);
  const history = toChatHistory(body.messages);
  const tools = prepareTools(body.tools, bounds);
  const mode = prepareMode(body, tools, bounds);
  if (mode.kind === 'call') addCallInstructions(history, mode.tools, mode.named);

  optionalNumber(body, 'n', 1, 1, true); // one choice per request: refuse n > 1 rather than silently answer one
  const maxTokens =
    optionalNumber(body, 'max_completion_tokens', 1, 1_000_000, true) ??
    optionalNumber(body, 'max_tokens', 1, 1_000_000, true);
  const stop = body.stop;
  let stops: string[] = [];
  if (typeof stop === 'string') stops = [stop];
  else if (Array.isArray(stop) && stop.length <= 4 && stop.every((s) => typeof s === 'string'))
    stops = stop as string[];
  else if (stop !== undefined && stop !== null)
    throw bad('stop must be a string or an array of up to 4 strings', 'stop');
  if (body.stream !== undefined && typeof body.stream !== 'boolean')
    throw bad('stream must be true or false', 'stream');
  const streamOptions = body.stream_options;
  if (streamOptions !== undefined && streamOptions !== null && !isObject(streamOptions))
    throw bad('stream_options must be an object', 'stream_options');
  if (body.user !== undefined && typeof body.user !== 'string') throw bad('user must be a string', 'user');
  const seed = optionalNumber(body, 'seed', -(2 ** 53), 2 ** 53, true);
  return {
    history,
    mode,
    maxTokens,
    // OpenAI's default temperature is 1
    temperature: optionalNumber(body, 'temperature', 0, 2) ?? 1,
    topP: optionalNumber(body, 'top_p', 0, 1),
    // OpenAI takes any integer; llama.cpp's sampler a 32-bit one
    seed: seed === undefined ? undefined : Math.abs(seed) % 2 ** 32,
    stop: stops.filter((s) => s.length > 0),
    stream: body.stream === true,
    includeUsage: isObject(streamOptions) && streamOptions.include_usage === true,
    user: typeof body.user === 'string' ? body.user : undefined,
  };
}

/**
 * The grammar forces the shape of a call, but the model still has to know what the tools are for to fill it in
 * well: a system note lists them and says what to answer.
 */
function addCallInstructions(history: ChatHistoryItem[], tools: PreparedTool[], named: boolean): void {
  const describe = (t: PreparedTool) =>
    `- ${t.name}${t.description ? `: ${t.description}` : ''}\n  arguments: ${schemaSignature(t.parameters ?? { type: 'object', properties: {} })}`;
  const note = named
    ? `Call the tool ${tools[0]!.name} now. Answer with its arguments only, as one JSON object.\n${describe(tools[0]!)}`
    : `Call exactly one of these tools now. Answer with one JSON object {"name": <tool name>, "arguments": {...}} and nothing else.\n${tools.map(describe).join('\n')}`;
  const first = history[0];
  if (first?.type === 'system' && typeof first.text === 'string') first.text = `${first.text}\n\n${note}`;
  else history.unshift({ type: 'system', text: note });
}

/** The grammar schema for a constrained call: the tool's arguments when named, else one {name, arguments} of any tool. */
export function callGrammar(mode: Extract<GenerationMode, { kind: 'call' }>): GbnfJsonSchema {
  if (mode.named) return mode.tools[0]!.grammar;
  const alternatives = mode.tools.map(
    (t) => ({ type: 'object', properties: { name: { const: t.name }, arguments: t.grammar } }) as GbnfJsonSchema,
  );
  return alternatives.length === 1 ? alternatives[0]! : { oneOf: alternatives };
}

/** A generated call's text -> the tool call, or null when the text is not a complete call (generation was cut short). */
export function parseCall(
  mode: Extract<GenerationMode, { kind: 'call' }>,
  text: string,
): { tool: PreparedTool; args: unknown } | null {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return null;
  }
  if (mode.named) return { tool: mode.tools[0]!, args: value };
  if (!isObject(value) || typeof value.name !== 'string') return null;
  const tool = mode.tools.find((t) => t.name === value.name);
  return tool ? { tool, args: value.arguments ?? {} } : null;
}

export function toolCallId(): string {
  return `call_${crypto.randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

export function toToolCall(name: string, args: unknown): ChatToolCall {
  return { id: toolCallId(), type: 'function', function: { name, arguments: JSON.stringify(args ?? {}) } };
}
