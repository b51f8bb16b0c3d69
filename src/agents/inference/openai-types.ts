// The OpenAI chat-completions wire types the inference host speaks: requests, answers, stream chunks, errors.

/** A JSON Schema as a tool or a response format carries it; read loosely and checked by json-schema-grammar. */
export type JsonSchema = { [key: string]: unknown } | boolean;

/** OpenAI content parts; only text parts are understood here (a model without vision has no use for the rest). */
export interface ChatContentPart {
  type: 'text' | string;
  text?: string;
}

export type ChatContent = string | ChatContentPart[];

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: {
    name: string;
    /** JSON text, as OpenAI sends it (not an object). */
    arguments: string;
  };
}

export interface ChatSystemMessage {
  /** `developer` is OpenAI's newer name for a system message; both are treated alike. */
  role: 'system' | 'developer';
  content: ChatContent;
  name?: string;
}

export interface ChatUserMessage {
  role: 'user';
  content: ChatContent;
  name?: string;
}

export interface ChatAssistantMessage {
  role: 'assistant';
  content?: ChatContent | null;
  tool_calls?: ChatToolCall[];
  name?: string;
}

export interface ChatToolMessage {
  role: 'tool';
  tool_call_id: string;
  content: ChatContent;
}

export type ChatMessage = ChatSystemMessage | ChatUserMessage | ChatAssistantMessage | ChatToolMessage;

export interface ChatTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    /** JSON Schema of the arguments object; absent means no arguments. */
    parameters?: JsonSchema;
  };
}

export type ChatToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type ChatResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name?: string; schema: JsonSchema; strict?: boolean } };

export interface ChatCompletionRequest {
  /** Any name is accepted: the host serves one model and answers with its id. */
  model?: string;
  messages: ChatMessage[];
  tools?: ChatTool[];
  tool_choice?: ChatToolChoice;
  /** false: at most one tool call per answer. */
  parallel_tool_calls?: boolean;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  stop?: string | string[];
  /** Identifies the agent when no X-Collab-Agent header does. */
  user?: string;
  response_format?: ChatResponseFormat;
  /** Only 1 is supported. */
  n?: number;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls';

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Prompt tokens found already in the agent's sequence (its KV cache), not evaluated again. */
  prompt_tokens_details?: { cached_tokens: number };
}

export interface ChatCompletionMessage {
  role: 'assistant';
  content: string | null;
  tool_calls?: ChatToolCall[];
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{ index: number; message: ChatCompletionMessage; finish_reason: FinishReason }>;
  usage: ChatUsage;
}

export interface ChatToolCallDelta {
  index: number;
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: 'assistant'; content?: string; tool_calls?: ChatToolCallDelta[] };
    finish_reason: FinishReason | null;
  }>;
  /** Only on the last chunk, when stream_options.include_usage asked for it. */
  usage?: ChatUsage;
}

export interface ChatErrorBody {
  error: {
    message: string;
    type:
      | 'invalid_request_error'
      | 'authentication_error'
      | 'permission_error'
      | 'not_found_error'
      | 'server_error'
      | 'service_unavailable';
    /** The request field at fault (e.g. "messages[2].role"), or null. */
    param: string | null;
    code: string | null;
  };
}

export interface ModelList {
  object: 'list';
  data: Array<{ id: string; object: 'model'; created: number; owned_by: string }>;
}
