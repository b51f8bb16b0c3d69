// POST /v1/chat/completions: one request through the model slot, answered whole or streamed as server-sent events.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentFigures } from './agent-figures';
import { ApiError } from './api-error';
import type { Outcome } from './chat-generation';
import { prepareRequest, type PreparedRequest } from './chat-request';
import type { GrammarCache } from './grammar-cache';
import { readBody, sendJson, type Caller } from './inference-http';
import type { GrammarBounds } from './json-schema-grammar';
import type { HeldSequence, ModelSlot } from './model-slot';
import type { ChatCompletion, ChatCompletionChunk, ChatUsage } from './openai-types';

/** What a completion needs of the server: the slot to run on, its grammars, the figures to add to, its defaults. */
export interface ChatCompletionsContext {
  slot: ModelSlot;
  grammars: GrammarCache;
  figures: AgentFigures;
  bounds: GrammarBounds;
  /** max_tokens when a request sets none (never more than a sequence holds). */
  defaultMaxTokens: number;
  log: (line: string) => void;
}

/** Which agent a request is for: its sequence affinity and its line in the figures (an agent's key decides, not its word). */
function agentOf(req: IncomingMessage, prepared: PreparedRequest | null, caller: Caller): string {
  if (caller.kind === 'agent') return caller.agent;
  const header = req.headers['x-collab-agent'];
  const name = (typeof header === 'string' && header.trim()) || prepared?.user?.trim() || 'anonymous';
  return name.slice(0, 64);
}

/**
 * A pause may interrupt a generation mid-way: if nothing of it reached the client yet it runs again after the
 * resume, ahead of newer requests, so an agent never sees the GPU lease; once its stream carried text it ends with
 * an error instead (the text cannot be taken back). A client that leaves frees its sequence and gets nothing.
 */
export async function chatCompletions(
  req: IncomingMessage,
  res: ServerResponse,
  caller: Caller,
  host: ChatCompletionsContext,
): Promise<void> {
  const { slot } = host;
  const text = await readBody(req);
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(
      400,
      `the request body is not valid JSON: ${(err as Error).message}`,
      'invalid_request_error',
      null,
      'invalid_json',
    );
  }
  const prepared = prepareRequest(body, host.bounds);
  let grammar: Awaited<ReturnType<GrammarCache['forMode']>>;
  try {
    grammar = await host.grammars.forMode(prepared.mode);
  } catch (err) {
    throw new ApiError(
      400,
      `cannot build a grammar for this schema: ${(err as Error).message}`,
      'invalid_request_error',
      prepared.mode.kind === 'json' ? 'response_format' : 'tools',
    );
  }
  const agent = agentOf(req, prepared, caller);
  const clientGone = new AbortController();
  res.on('close', () => {
    if (!res.writableEnded) clientGone.abort(new Error('the client disconnected'));
  });
  const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (
    delta: ChatCompletionChunk['choices'][number]['delta'],
    finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null,
  ): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: slot.modelId,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const send = (data: unknown) => void res.write(`data: ${JSON.stringify(data)}\n\n`);
  let sentContent = false;
  let front = false;

  for (;;) {
    slot.throwIfUnavailable();
    let held: HeldSequence | null;
    try {
      held = await slot.acquire(agent, { signal: clientGone.signal, front });
    } catch (err) {
      if (clientGone.signal.aborted) return;
      throw err;
    }
    if (!held) {
      // granted just before a pause began: it went back untouched; wait for the resume
      front = true;
      continue;
    }
    let outcome: Outcome;
    try {
      if (prepared.stream && !res.headersSent) {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        send(chunk({ role: 'assistant', content: '' }));
      }
      const maxTokens = Math.min(prepared.maxTokens ?? host.defaultMaxTokens, held.sequence.contextSize);
      outcome = await held.sequence.generate(
        prepared,
        grammar,
        maxTokens,
        AbortSignal.any([clientGone.signal, held.interrupted]),
        (piece) => {
          if (!prepared.stream || piece === '') return;
          sentContent = true;
          send(chunk({ content: piece }));
        },
      );
    } catch (err) {
      if (clientGone.signal.aborted) return; // nobody is listening; the sequence is free again below
      if (held.interrupted.aborted) {
        if (!sentContent) {
          // Nothing reached the client yet: run it again after the pause, ahead of newer requests.
          front = true;
          continue;
        }
        throw new ApiError(
          503,
          'the generation was interrupted: a benchmark took the GPU; send the request again (it waits for the benchmark to end)',
          'service_unavailable',
          null,
          'paused',
        );
      }
      throw err;
    } finally {
      held.release();
    }
    host.figures.record(agent, outcome);
    if (outcome.schemaProblems.length > 0) {
      host.log(
        `inference: ${agent}: generated output breaks rules of its schema that the grammar cannot hold: ${outcome.schemaProblems.join('; ')}`,
      );
    }
    const usage: ChatUsage = {
      prompt_tokens: outcome.promptTokens,
      completion_tokens: outcome.completionTokens,
      total_tokens: outcome.promptTokens + outcome.completionTokens,
      prompt_tokens_details: { cached_tokens: outcome.cachedTokens },
    };
    if (!prepared.stream) {
      const completion: ChatCompletion = {
        id,
        object: 'chat.completion',
        created,
        model: slot.modelId,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: outcome.content,
              ...(outcome.toolCalls.length > 0 ? { tool_calls: outcome.toolCalls } : {}),
            },
            finish_reason: outcome.finish,
          },
        ],
        usage,
      };
      return sendJson(res, 200, completion);
    }
    // A constrained call's text is not streamed as it is generated; what was not sent goes now.
    if (!sentContent && outcome.content && outcome.toolCalls.length === 0 && prepared.mode.kind === 'call')
      send(chunk({ content: outcome.content }));
    if (outcome.toolCalls.length > 0)
      send(chunk({ tool_calls: outcome.toolCalls.map((call, index) => ({ index, ...call })) }));
    send(chunk({}, outcome.finish));
    if (prepared.includeUsage) send({ ...chunk({}), choices: [], usage });
    res.end('data: [DONE]\n\n');
    return;
  }
}
