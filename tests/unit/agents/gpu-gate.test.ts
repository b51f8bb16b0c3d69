// The GPU gate of an agent on a server on this machine: nothing starts while a benchmark holds the GPU, what runs is drained.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuGate } from '../../../src/agents/gpu-gate';
import { ChatClient } from '../../../src/agents/inference/chat-client';
import type { ChatCompletionRequest } from '../../../src/agents/inference/openai-types';

/** A grace no test waits out: a completion that must be interrupted gets a short one instead. */
const LONG_GRACE_MS = 10 * 60_000;

describe('GpuGate', () => {
  it('lets a completion in while the GPU is free, and makes the next one wait while a benchmark holds it', async () => {
    const gate = new GpuGate(LONG_GRACE_MS);
    const first = await gate.enter();
    first.leave();
    const order: string[] = [];
    expect(await gate.hold()).toBe(0); // nothing runs: drained at once, nothing interrupted
    order.push('held');
    const waiting = gate.enter().then((pass) => {
      order.push('entered');
      return pass;
    });
    // The pass waits for the release: everything already due settles first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    order.push('still held');
    gate.release();
    order.push('released');
    const pass = await waiting;
    expect(order).toEqual(['held', 'still held', 'released', 'entered']);
    expect(pass.signal.aborted).toBe(false);
    pass.leave();
  });

  it('drains a running completion that finishes within its grace without interrupting it', async () => {
    const gate = new GpuGate(LONG_GRACE_MS);
    const pass = await gate.enter();
    const order: string[] = [];
    const drained = gate.hold().then((interrupted) => order.push(`drained, ${interrupted} interrupted`));
    order.push('finished');
    pass.leave();
    await drained;
    expect(order).toEqual(['finished', 'drained, 0 interrupted']);
    expect(pass.interrupted).toBe(false);
    gate.release();
  });

  it('interrupts a running completion once its grace is out, and has drained only when it has stopped', async () => {
    const gate = new GpuGate(20);
    const pass = await gate.enter();
    const order: string[] = [];
    pass.signal.addEventListener('abort', () => {
      order.push('interrupted');
      // The request ends on its abort, as node:http's does.
      queueMicrotask(() => {
        order.push('stopped');
        pass.leave();
      });
    });
    await gate.hold().then((interrupted) => order.push(`drained, ${interrupted} interrupted`));
    expect(order).toEqual(['interrupted', 'stopped', 'drained, 1 interrupted']);
    expect(pass.interrupted).toBe(true);
    expect((pass.signal.reason as Error).message).toBe('interrupted after 20 ms: a benchmark took the GPU');
    expect(gate.inFlight).toBe(0);
  });

  it('lets a running completion go on when the GPU is given back within its grace', async () => {
    const gate = new GpuGate(LONG_GRACE_MS);
    const pass = await gate.enter();
    const drain = gate.hold();
    gate.release();
    await drain; // nothing is left to drain for a taking given back
    expect(pass.interrupted).toBe(false);
    expect(gate.isHeld).toBe(false);
    pass.leave();
  });

  it('gives up the wait at the gate when the caller aborts', async () => {
    const gate = new GpuGate(LONG_GRACE_MS);
    await gate.hold();
    const stop = new AbortController();
    const waiting = gate.enter(stop.signal);
    stop.abort(new Error('the agent stopped'));
    await expect(waiting).rejects.toThrow('the agent stopped');
    gate.release();
  });
});

describe('ChatClient through the gate, on a server on this machine', () => {
  let server: Server;
  let url = '';
  /** Requests the server got: each is answered only when the test says, or closed by the client. */
  const arrived: Array<{ body: string; res: ServerResponse; closedByClient: Promise<void> }> = [];
  let arrival: (() => void) | null = null;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let answered = false;
        res.on('finish', () => (answered = true));
        const closedByClient = new Promise<void>((resolve) => res.on('close', () => !answered && resolve()));
        arrived.push({ body: Buffer.concat(chunks).toString('utf8'), res, closedByClient });
        arrival?.();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const nthRequest = async (n: number) => {
    while (arrived.length < n) await new Promise<void>((resolve) => (arrival = resolve));
    return arrived[n - 1]!;
  };
  const answer = (res: ServerResponse, content: string) => {
    const text = JSON.stringify({
      id: 'c1',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const ask: ChatCompletionRequest = { model: 'm', messages: [{ role: 'user', content: 'the same question' }] };

  it('interrupts a completion after the grace, asks it again once the GPU is free, and the caller gets the answer', async () => {
    arrived.length = 0;
    const gate = new GpuGate(20);
    const client = new ChatClient({ url, key: 'k', agent: 'a', timeoutMs: 60_000, gate });
    const completion = client.complete(ask);
    const first = await nthRequest(1);

    // Drained once the completion was interrupted (the request aborted: the server sees its connection closed).
    expect(await gate.hold()).toBe(1);
    await first.closedByClient;
    // Held: the interrupted completion waits at the gate, nothing new reaches the server.
    expect(arrived).toHaveLength(1);

    gate.release();
    const second = await nthRequest(2);
    expect(second.body).toBe(first.body);
    answer(second.res, 'asked again, answered');
    const answered = await completion;
    expect(answered.choices[0]!.message.content).toBe('asked again, answered');
    expect(gate.inFlight).toBe(0);
  });

  it('still fails a completion the server does not answer in time, in words', async () => {
    arrived.length = 0;
    const gate = new GpuGate(LONG_GRACE_MS);
    const client = new ChatClient({ url, key: 'k', agent: 'a', timeoutMs: 1000, gate });
    await expect(client.complete(ask)).rejects.toThrow('the endpoint did not answer in 1 s');
    expect(gate.inFlight).toBe(0);
  });

  it('a refusal from the server is a failure, not an interruption: it is not asked again', async () => {
    arrived.length = 0;
    const gate = new GpuGate(LONG_GRACE_MS);
    const client = new ChatClient({ url, key: 'k', agent: 'a', timeoutMs: 60_000, gate });
    const completion = client.complete(ask);
    const first = await nthRequest(1);
    first.res.writeHead(500, { 'content-type': 'application/json' });
    first.res.end(JSON.stringify({ error: { message: 'model failed to load' } }));
    await expect(completion).rejects.toThrow('model failed to load');
    expect(arrived).toHaveLength(1);
    expect(gate.inFlight).toBe(0);
  });
});
