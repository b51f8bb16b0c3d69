// One chat generation on one llama-server slot: the prompt rendered and tokenized here, decoded there, read back here.
import { request } from 'node:http';
import {
  LlamaText,
  SpecialTokensText,
  type ChatWrapper,
  type LlamaGrammar,
  type LlamaModel,
  type LlamaTextInputValue,
} from 'node-llama-cpp';
import { ApiError } from './api-error';
import { outcomeOf, renderPrompt, type GenerationSequence, type Outcome } from './chat-generation';
import type { GenerationMode, PreparedRequest } from './chat-request';

/** Where a slot's requests go: llama-server's loopback URL and the key it was started with. */
export interface SlotServer {
  url: string;
  apiKey: string;
}

/**
 * A GBNF grammar's rules renamed with a prefix, so several grammars can live in one: every rule name, where defined
 * and where referred to, outside string literals, character classes, repetition counts and comments.
 */
export function prefixRules(gbnf: string, prefix: string): string {
  let out = '';
  for (let i = 0; i < gbnf.length;) {
    const c = gbnf[i]!;
    const closing = c === '"' ? '"' : c === '[' ? ']' : c === '{' ? '}' : c === '#' ? '\n' : null;
    if (closing) {
      let j = i + 1;
      while (j < gbnf.length && gbnf[j] !== closing) j += gbnf[j] === '\\' && closing !== '\n' ? 2 : 1;
      out += gbnf.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const name = /^[A-Za-z0-9_-]+/.exec(gbnf.slice(i, i + 256));
    if (name) {
      out += prefix + name[0];
      i += name[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** A GBNF string literal of any text (JSON's escapes are GBNF's: \", \\, \n, \uXXXX). */
const literal = (text: string): string => JSON.stringify(text);

/**
 * The lazy grammar of free tool calls in the wrapper's own syntax: nothing is constrained until the model writes a
 * call's prefix (the trigger), then one call of a known tool is, name, parameters (each tool's own JSON grammar) and
 * suffix; what the model writes before it stays free text. node-llama-cpp does the same live, mid-generation.
 */
export function toolCallGrammar(
  wrapper: ChatWrapper,
  mode: Extract<GenerationMode, { kind: 'functions' }>,
  paramGrammars: LlamaGrammar[],
): { grammar: string; triggers: string[] } {
  const syntax = wrapper.settings.functions.call;
  const triggers = [syntax.prefix, ...(syntax.prefixAlternateMatches ?? [])].map((p) => LlamaText(p).toString());
  const piece = (part: typeof syntax.suffix, name: string) =>
    LlamaText(part).toString().replaceAll('{{functionName}}', name);
  const calls = mode.tools.map(
    (tool, i) =>
      `call${i} ::= ${literal(tool.name + piece(syntax.paramsPrefix, tool.name))} t${i}-root ${literal(piece(syntax.suffix, tool.name))}`,
  );
  const rules = [
    `root ::= (${triggers.map(literal).join(' | ')}) (${mode.tools.map((_, i) => `call${i}`).join(' | ')})`,
    ...calls,
    ...paramGrammars.map((g, i) => prefixRules(g.grammar, `t${i}-`)),
  ];
  return { grammar: rules.join('\n'), triggers };
}

/** What the host needs of the model on llama-server: its vocabulary (no weights are loaded here). */
export type Vocabulary = Pick<LlamaModel, 'tokenizer' | 'detokenize'>;

const isText = (x: unknown): x is LlamaTextInputValue =>
  typeof x === 'string' || LlamaText.isLlamaText(x) || Array.isArray(x);

/** A thought's marks as text: its prefix (null when the answer opens inside it) and suffix (null when none closes it). */
function thoughtMarks(wrapper: ChatWrapper): { prefix: string | null; suffix: string | null } | null {
  const thought = wrapper.settings.segments?.thought;
  if (!thought) return null;
  return {
    prefix: isText(thought.prefix) ? LlamaText(thought.prefix).toString() : null,
    suffix: thought.suffix !== undefined ? LlamaText(thought.suffix).toString() : null,
  };
}

/**
 * The control tokens the chat wrapper's syntax writes (a call's prefix and suffix, a thought's delimiters), each as
 * its own text. llama-server drops a control token from the text it answers unless it is preserved, and preserves
 * only what is one token: Gemma 4's `<|tool_call>` and `<|channel>` must be named alone, not as `<|tool_call>call:`.
 */
export function specialPieces(wrapper: ChatWrapper, vocabulary: Vocabulary): string[] {
  const { call } = wrapper.settings.functions;
  const thought = wrapper.settings.segments?.thought;
  const parts: LlamaTextInputValue[] = [
    call.prefix,
    ...(call.prefixAlternateMatches ?? []),
    call.paramsPrefix,
    call.suffix,
  ];
  if (thought && isText(thought.prefix)) parts.push(thought.prefix);
  if (thought?.suffix !== undefined) parts.push(thought.suffix);
  const pieces = new Set<string>();
  for (const part of parts)
    for (const value of LlamaText(part).values) {
      if (!(value instanceof SpecialTokensText)) continue;
      for (const token of vocabulary.tokenizer(value.value, true)) {
        const special = vocabulary.detokenize([token], true);
        // a control token reads as nothing without its special rendering; plain text reads the same both ways
        if (special !== vocabulary.detokenize([token], false)) pieces.add(special);
      }
    }
  return [...pieces];
}

/**
 * The answer without the model's thoughts (Gemma 4's `<|channel>thought ... <channel|>`, Qwen 3's `<think>...</think>`),
 * as node-llama-cpp's LlamaChat leaves them out of its answer; a thought still open at the end hides the rest.
 */
export function withoutThoughts(text: string, wrapper: ChatWrapper): string {
  const marks = thoughtMarks(wrapper);
  if (!marks) return text;
  const { prefix, suffix } = marks;
  let out = '';
  for (let at = 0; ;) {
    // a thought opened on start: the answer begins inside it
    const start = prefix === null ? (at === 0 ? 0 : -1) : text.indexOf(prefix, at);
    if (start < 0) return out + text.slice(at);
    out += text.slice(at, start);
    // a thought with no closing mark runs to the end of the answer
    const end = suffix === null ? -1 : text.indexOf(suffix, start + (prefix?.length ?? 0));
    if (end < 0 || suffix === null) return out;
    at = end + suffix.length;
  }
}

/** The text a stream may show now: everything but a tail that could still become a call's prefix. */
function safeToShow(text: string, prefixes: string[]): number {
  let cut = text.length;
  for (const prefix of prefixes) {
    const at = text.indexOf(prefix);
    if (at >= 0) cut = Math.min(cut, at);
    for (let n = Math.min(prefix.length - 1, text.length); n > 0; n--)
      if (text.endsWith(prefix.slice(0, n))) {
        cut = Math.min(cut, text.length - n);
        break;
      }
  }
  return cut;
}

interface CompletionChunk {
  content?: string;
  stop?: boolean;
  stop_type?: string;
  tokens_predicted?: number;
  tokens_evaluated?: number;
  timings?: { cache_n?: number };
  error?: { message?: string } | string;
}

/**
 * POST /completion: with `stream: true` in the body each server-sent event is handed to `onChunk` as it arrives,
 * otherwise the one answer is, whole. A connection of its own per request (agent: false): cpp-httplib closes a
 * streamed response's connection, and a pooled socket it closed fails the next request. Resolves when the answer
 * has ended; an error event or a refused request throws.
 */
function postCompletion(
  server: SlotServer,
  body: object,
  signal: AbortSignal,
  onChunk: (chunk: CompletionChunk) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(
      `${server.url}/completion`,
      {
        method: 'POST',
        agent: false,
        signal,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${server.apiKey}`,
        },
      },
      (res) => {
        res.setEncoding('utf8');
        let buffered = '';
        if (res.statusCode !== 200) {
          res.on('data', (d: string) => (buffered += d));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            reject(
              new ApiError(
                status >= 500 ? 503 : 400,
                `llama-server refused the generation (${status}): ${buffered.slice(0, 500)}`,
                status >= 500 ? 'service_unavailable' : 'invalid_request_error',
              ),
            );
          });
          return;
        }
        if (!(body as { stream?: boolean }).stream) {
          res.on('data', (d: string) => (buffered += d));
          res.on('end', () => {
            try {
              onChunk(JSON.parse(buffered) as CompletionChunk);
              resolve();
            } catch (err) {
              reject(
                new ApiError(
                  503,
                  `llama-server answered what is not JSON: ${(err as Error).message}`,
                  'service_unavailable',
                ),
              );
            }
          });
          res.on('error', reject);
          return;
        }
        res.on('data', (d: string) => {
          buffered += d;
          try {
            for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
              const data = buffered
                .slice(0, end)
                .split('\n')
                .filter((line) => line.startsWith('data: '))
                .map((line) => line.slice(6))
                .join('\n');
              buffered = buffered.slice(end + 2);
              if (!data) continue;
              const chunk = JSON.parse(data) as CompletionChunk;
              if (chunk.error) {
                const message =
                  typeof chunk.error === 'string' ? chunk.error : (chunk.error.message ?? 'unknown error');
                throw new ApiError(503, `llama-server failed the generation: ${message}`, 'service_unavailable');
              }
              onChunk(chunk);
            }
          } catch (err) {
            req.destroy();
            reject(err as Error);
          }
        });
        res.on('end', () => resolve());
        res.on('error', reject);
      },
    );
    req.on('error', (err) =>
      reject(
        signal.aborted ? err : new ApiError(503, `llama-server did not answer: ${err.message}`, 'service_unavailable'),
      ),
    );
    req.end(payload);
  });
}

/**
 * One llama-server slot, held by one request at a time (the model slot's pool sees to that) and kept by the same
 * agent where it can: the slot's KV cache then still holds the agent's earlier turns (cache_prompt), so only what
 * is new is evaluated. llama-server batches every busy slot into one llama_decode per step.
 */
export class ServerSequence implements GenerationSequence {
  constructor(
    private readonly server: SlotServer,
    readonly slotId: number,
    readonly contextSize: number,
    private readonly wrapper: ChatWrapper,
    private readonly vocabulary: Vocabulary,
    /** The wrapper's control tokens, preserved so llama-server writes them (see specialPieces). */
    private readonly preserved: string[],
    /** Each tool's parameter grammar, for free calls (the grammar cache builds them once per schema). */
    private readonly paramGrammars: (mode: Extract<GenerationMode, { kind: 'functions' }>) => Promise<LlamaGrammar[]>,
  ) {}

  async generate(
    request: PreparedRequest,
    grammar: LlamaGrammar | null,
    maxTokens: number,
    signal: AbortSignal,
    onText: (text: string) => void,
  ): Promise<Outcome> {
    const { mode } = request;
    const rendered = renderPrompt(this.wrapper, request);
    const prompt = [...rendered.tokenize(this.vocabulary.tokenizer)];
    const body: Record<string, unknown> = {
      prompt,
      n_predict: maxTokens,
      temperature: request.temperature,
      ...(request.topP !== undefined ? { top_p: request.topP } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.stop.length > 0 ? { stop: request.stop } : {}),
      id_slot: this.slotId,
      cache_prompt: true,
      ...(this.preserved.length > 0 ? { preserved_tokens: this.preserved } : {}),
      // tokens one by one only for a client that reads them so: otherwise every token would cost this process a
      // server-sent event to parse while llama.cpp's threads want the cores
      stream: request.stream && mode.kind !== 'call',
    };
    let prefixes: string[] = [];
    if (mode.kind === 'functions') {
      const lazy = toolCallGrammar(this.wrapper, mode, await this.paramGrammars(mode));
      prefixes = lazy.triggers;
      Object.assign(body, {
        grammar: lazy.grammar,
        grammar_lazy: true,
        // word triggers; a trigger that is one special token must also be preserved (llama-server's rule)
        grammar_triggers: lazy.triggers.map((value) => ({ type: 1, value })),
        preserved_tokens: [...this.preserved, ...lazy.triggers],
      });
    } else if (grammar) {
      body.grammar = grammar.grammar;
    }

    const started = performance.now();
    let text = '';
    let shown = 0;
    let final: CompletionChunk | null = null;
    const show = mode.kind !== 'call';
    // a stream holds back what could still become a call's prefix or a thought's opening
    const thoughtPrefix = thoughtMarks(this.wrapper)?.prefix;
    const holdBack = [...prefixes, ...(thoughtPrefix ? [thoughtPrefix] : [])];
    const onChunk = (chunk: CompletionChunk) => {
      text += chunk.content ?? '';
      if (show) {
        const visible = withoutThoughts(text, this.wrapper);
        const upTo = holdBack.length > 0 ? safeToShow(visible, holdBack) : visible.length;
        if (upTo > shown) {
          onText(visible.slice(shown, upTo));
          shown = upTo;
        }
      }
      if (chunk.stop) final = chunk;
    };
    try {
      await postCompletion(this.server, body, signal, onChunk);
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw err;
    }
    const last = final as CompletionChunk | null;
    if (!last)
      throw new ApiError(503, 'llama-server ended the stream before the generation finished', 'service_unavailable');
    const figures = {
      promptTokens: prompt.length,
      cachedTokens: last.timings?.cache_n ?? 0,
      completionTokens: last.tokens_predicted ?? 0,
      seconds: (performance.now() - started) / 1000,
    };
    const answer = withoutThoughts(text, this.wrapper);
    const outcome = outcomeOf(request, this.wrapper, answer, last.stop_type === 'limit', figures, []);
    // a stream shows the text of an answer that held no call, whole (what was held back as a possible prefix)
    if (show && outcome.toolCalls.length === 0 && shown < answer.length) onText(answer.slice(shown));
    return outcome;
  }
}
