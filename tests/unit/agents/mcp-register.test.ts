// An MCP session without an agent yet registers one agent: a second register while the first is under way is refused.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { describe, expect, it } from 'vitest';
import { createMcpServer } from '../../../src/agents/mcp-server';
import type { HubClient } from '../../../src/shared/hub-client';

const textOf = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

describe('register on a session without an agent', () => {
  it('refuses a second register while the first waits for the hub, and registers once', async () => {
    let release!: () => void;
    const hubAnswers = new Promise<void>((resolve) => (release = resolve));
    const registered: string[] = [];
    let called!: () => void;
    const firstCalled = new Promise<void>((resolve) => (called = resolve));
    const hub = {
      async register(body: { agent_id: string }) {
        registered.push(body.agent_id);
        called();
        await hubAnswers;
        return { agent_id: body.agent_id, token: 'cd_test-token', scratch: `scratch/${body.agent_id}/` };
      },
    } as unknown as HubClient;
    const server = createMcpServer({ hub, agentId: '' }, [], {
      adopt: async () => ({ ctx: { hub, agentId: 'dora' }, tools: [], refresh: async () => null }),
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'vitest', version: '1.0.0' });
    await client.connect(clientSide);
    try {
      const args = (id: string) => ({ agent_id: id, model: 'm', harness: 'h', bio: '' });
      const first = client.callTool({ name: 'register', arguments: args('dora') });
      await firstCalled;
      const second = await client.callTool({ name: 'register', arguments: args('dora-2') });
      expect(second.isError).toBe(true);
      expect(textOf(second)).toMatch(/^a register is already in progress on this session/);
      release();
      const done = await first;
      expect(done.isError, textOf(done)).toBe(false);
      expect(registered).toEqual(['dora']);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
