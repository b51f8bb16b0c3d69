// A local agent's client of the inference host: one non-streaming chat completion at a time, named by its agent.
import type { GpuGate } from '../gpu-gate';
import { errorMessage, requestJson } from './loopback-json';
import type { ChatCompletion, ChatCompletionRequest } from './openai-types';

export interface ChatClientOptions {
  /** The host's OpenAI-compatible base URL (InferenceHost.url), or the person's own server's, ending in /v1. */
  url: string;
  /** Sent as a bearer token; empty for a server that wants none (a local Ollama). */
  key: string;
  /** The agent's id: the host keeps its conversation in the same sequence (KV cache) and counts its tokens. */
  agent: string;
  /**
   * A person's own server (not the inference host, which makes a request wait out a benchmark on purpose): how long
   * one completion may take before it counts as failed, so a stalled server is an error on the card, not a hang.
   */
  timeoutMs?: number;
  /**
   * An endpoint on this machine shares the GPU: each completion runs through the gate, waiting while a benchmark holds
   * the GPU; one the gate interrupts (a benchmark took the GPU while it ran) is asked again once the GPU is free.
   */
  gate?: Pick<GpuGate, 'enter'>;
}

export class ChatClient {
  constructor(private readonly options: ChatClientOptions) {}

  /**
   * One completion (stream is forced off). Waits as long as the host makes it wait (a benchmark may hold the GPU);
   * pass a signal to give up. A refusal or failure throws an Error carrying the host's own message.
   */
  async complete(request: ChatCompletionRequest, signal?: AbortSignal): Promise<ChatCompletion> {
    const gate = this.options.gate;
    if (!gate) return this.ask(request, signal);
    for (;;) {
      const pass = await gate.enter(signal);
      try {
        return await this.ask(request, signal, pass.signal);
      } catch (err) {
        // Interrupted for a benchmark, not failed: the agent never sees the lease, its step waits and asks again.
        if (pass.interrupted && !signal?.aborted) continue;
        throw err;
      } finally {
        pass.leave();
      }
    }
  }

  /** One request: `signal` is the caller's, `pass` the gate's (each may stop it); the timeout, if any, is per request. */
  private async ask(request: ChatCompletionRequest, signal?: AbortSignal, pass?: AbortSignal): Promise<ChatCompletion> {
    const { url, key, agent, timeoutMs } = this.options;
    const timeout = timeoutMs ? AbortSignal.timeout(timeoutMs) : null;
    const signals = [signal, pass, timeout].filter((s): s is AbortSignal => s != null);
    const reply = await requestJson(`${url.replace(/\/$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), 'x-collab-agent': agent },
      body: { ...request, stream: false },
      ...(signals.length ? { signal: AbortSignal.any(signals) } : {}),
    }).catch((err: unknown) => {
      // node:http fails an aborted request with an AbortError whatever the reason: the timeout signal says which.
      if (timeoutMs && timeout?.aborted && !signal?.aborted && !pass?.aborted)
        throw new Error(`the endpoint did not answer in ${Math.round(timeoutMs / 1000)} s`, { cause: err });
      throw err;
    });
    if (reply.status !== 200)
      throw new Error(errorMessage(reply), { cause: { status: reply.status, body: reply.body } });
    return reply.body as ChatCompletion;
  }
}
