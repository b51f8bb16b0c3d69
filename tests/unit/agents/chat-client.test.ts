// The agents' chat client against a person's own server that never answers: the step fails in words, it never hangs.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient } from '../../../src/agents/inference/chat-client';

let server: Server;
let url = '';

beforeAll(async () => {
  // Takes the request and never answers it, as a stalled server does.
  server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('ChatClient on an endpoint', () => {
  it('gives up on a server that does not answer, saying how long it waited', async () => {
    const client = new ChatClient({ url, key: 'k', agent: 'a', timeoutMs: 1000 });
    await expect(client.complete({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).rejects.toThrow(
      'the endpoint did not answer in 1 s',
    );
  });
});
