// A real agent's first hour over MCP (Claude Code, Codex): calls with only the arguments that matter, any limit within
// bounds, registering through the server when it has no token yet, and what `collab-desk mcp` says without one.
// Runs the built CLI (`npm run build:cli`) as a real child process, driven by the official SDK client.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, CLI, killAllChildren, PROJECT_ROOT, runCli } from '../helpers/hub-process';
import { startTestHub, type TestHub } from '../helpers/test-hub';

let dir: string;
let hub: TestHub;
let alice: string;
const clients: Client[] = [];

interface TextContent {
  type: 'text';
  text: string;
}
const textOf = (result: unknown) => (result as { content: TextContent[] }).content[0]!.text;

function stdio(token: string | null): StdioClientTransport {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), COLLAB_DESK_HUB: hub.url };
  delete env.COLLAB_DESK_TOKEN;
  if (token !== null) env.COLLAB_DESK_TOKEN = token;
  return new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp'],
    cwd: PROJECT_ROOT,
    env,
    stderr: 'pipe',
  });
}

async function connect(transport: StdioClientTransport): Promise<Client> {
  const client = new Client({ name: 'vitest', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'collab-desk-mcp-first-'));
  hub = await startTestHub({}, join(dir, 'data'));
  alice = await hub.register('alice');
}, 60_000);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await killAllChildren();
});
afterAll(async () => {
  await hub.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('MCP with minimal arguments', () => {
  it('lists optional fields as optional, with their defaults, and limit as an integer range', async () => {
    const client = await connect(stdio(alice));
    const { tools } = await client.listTools();
    const schema = (name: string) => tools.find((t) => t.name === name)!.inputSchema as Record<string, unknown>;
    expect(schema('read_inbox')).toMatchObject({
      required: [],
      properties: { limit: { type: 'integer', minimum: 1, maximum: 20, default: 10 } },
    });
    expect(schema('read_board')).toMatchObject({ required: [], properties: { channel: { default: '' } } });
    expect(schema('post')).toMatchObject({ required: ['body'], properties: { refs: { default: [] } } });
    expect(schema('read_results')).toMatchObject({
      required: [],
      properties: { status: { default: 'all' } },
    });
    // A field the call cannot do without stays required; its description says nothing of a default.
    expect(schema('read_file')).toMatchObject({ required: ['area', 'path'] });
    const limit = (schema('read_board').properties as Record<string, { description: string }>).limit!;
    expect(limit.description).toContain('an integer from 1 to 20');
    expect(limit.description).toContain('optional, default 10');
  }, 30_000);

  it('answers read_inbox {}, post {body} and read_board {limit: 3}, and names the bounds of a limit out of them', async () => {
    const client = await connect(stdio(alice));
    const inbox = await client.callTool({ name: 'read_inbox', arguments: {} });
    expect(inbox.isError, textOf(inbox)).toBe(false);
    expect(JSON.parse(textOf(inbox))).toHaveProperty('messages');

    for (let i = 1; i <= 4; i++) {
      const posted = await client.callTool({ name: 'post', arguments: { body: `first-hour note ${i}` } });
      expect(posted.isError, textOf(posted)).toBe(false);
    }
    const board = await client.callTool({ name: 'read_board', arguments: { limit: 3 } });
    expect(board.isError, textOf(board)).toBe(false);
    const { messages } = JSON.parse(textOf(board)) as { messages: Array<{ author: string; body: string }> };
    expect(messages).toHaveLength(3);
    expect(messages.every((m) => m.author === 'alice')).toBe(true);

    for (const limit of [0, 21]) {
      const refused = await client.callTool({ name: 'read_board', arguments: { limit } });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toContain('limit must be an integer from 1 to 20');
    }
    const fraction = await client.callTool({ name: 'read_inbox', arguments: { limit: 2.5 } });
    expect(fraction.isError).toBe(true);
    expect(textOf(fraction)).toContain('limit must be an integer');
  }, 30_000);
});

describe('collab-desk mcp finds its hub', () => {
  it("from the data folder's running hub, as every command does, without --hub", async () => {
    const env: Record<string, string> = { ...(process.env as Record<string, string>), COLLAB_DESK_TOKEN: alice };
    delete env.COLLAB_DESK_HUB;
    const client = await connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'mcp', '--data', hub.dataDir],
        cwd: PROJECT_ROOT,
        env,
        stderr: 'pipe',
      }),
    );
    const posted = await client.callTool({ name: 'post', arguments: { body: 'found through hub.url' } });
    expect(posted.isError, textOf(posted)).toBe(false);
    const board = await hub.call('GET', '/v1/messages?expand=true');
    expect(board.body.items.find((m: { body: string }) => m.body === 'found through hub.url')).toMatchObject({
      frontmatter: { agent: 'alice' },
    });
  }, 30_000);
});

describe('collab-desk mcp without a token', () => {
  it('says on stderr what is missing, serves register, and becomes the agent registered', async () => {
    const transport = stdio(null);
    let stderr = '';
    const said = new Promise<void>((resolve) =>
      transport.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString('utf8');
        if (stderr.includes('register tool')) resolve();
      }),
    );
    const client = await connect(transport);
    await said;
    expect(stderr).toContain('collab-desk mcp: set COLLAB_DESK_TOKEN');
    expect(stderr).toContain(`POST ${hub.url}/v1/agents/register`);

    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['register']);
    const early = await client.callTool({ name: 'read_board', arguments: {} });
    expect(early.isError).toBe(true);
    expect(textOf(early)).toContain('call register');

    const changed = new Promise<void>((resolve) =>
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
    );
    const missing = await client.callTool({ name: 'register', arguments: { agent_id: 'carol' } });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain('missing "model", "harness"');

    const made = await client.callTool({
      name: 'register',
      arguments: { agent_id: 'carol', model: 'claude-test', harness: 'claude-code' },
    });
    expect(made.isError, textOf(made)).toBe(false);
    const { agent_id, token } = JSON.parse(textOf(made)) as { agent_id: string; token: string };
    expect(agent_id).toBe('carol');
    expect(token).toBeTruthy();
    await changed;

    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['post', 'read_inbox']));
    expect(names).not.toContain('register');
    const posted = await client.callTool({ name: 'post', arguments: { body: 'carol here, registered over MCP' } });
    expect(posted.isError, textOf(posted)).toBe(false);
    const board = await hub.call('GET', '/v1/messages?expand=true');
    expect(board.body.items.find((m: { body: string }) => m.body === 'carol here, registered over MCP')).toMatchObject({
      frontmatter: { agent: 'carol' },
    });
    // The token it was given works on the hub's API as carol.
    const me = await fetch(`${hub.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await me.json()) as { handle: string }).handle).toBe('carol');
  }, 45_000);

  it('exits 1 with the same explanation when the client leaves without registering', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, COLLAB_DESK_HUB: hub.url };
    delete env.COLLAB_DESK_TOKEN;
    const alone = await runCli(['mcp'], 15_000, env);
    expect(alone.code).toBe(1);
    expect(alone.stdout).toBe('');
    expect(alone.stderr).toContain("set COLLAB_DESK_TOKEN to your agent's token");
    expect(alone.stderr).toContain('only the register tool');
    expect(alone.stderr).toContain('left without registering');
  }, 30_000);
});
