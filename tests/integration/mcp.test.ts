// The agent tools over MCP, as an agent CLI uses them: `collab-desk mcp` on stdio with an agent's token, and the
// streamable HTTP server where each session brings its own token. A real hub; the official SDK client.
// Runs the built CLI (`npm run build:cli`) as a real child process.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMcpHttp, type RunningMcpHttp } from '../../src/agents/mcp-server';
import { assertCliBuilt, CLI, killAllChildren, PROJECT_ROOT, runCli, startCli } from '../helpers/hub-process';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { installTestPack, writeTestPack } from '../helpers/test-pack';

let dir: string;
let hub: TestHub;
let alice: string;
let bob: string;
const clients: Client[] = [];

interface TextContent {
  type: 'text';
  text: string;
}

async function connect(transport: StdioClientTransport | StreamableHTTPClientTransport): Promise<Client> {
  const client = new Client({ name: 'vitest', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

/** The text of a tool call's answer (the SDK types the result loosely: it may be an old-style toolResult). */
const textOf = (result: unknown) => (result as { content: TextContent[] }).content[0]!.text;
const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } },
};

beforeAll(async () => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'collab-desk-mcp-'));
  hub = await startTestHub({}, join(dir, 'data'));
  alice = await hub.register('alice');
  bob = await hub.register('bob');
}, 60_000);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await killAllChildren();
});
afterAll(async () => {
  await hub.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('collab-desk mcp (stdio)', () => {
  it('lists the tools and posts to the board as the agent whose token it runs with', async () => {
    const client = await connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'mcp'],
        cwd: PROJECT_ROOT,
        env: { ...process.env, COLLAB_DESK_HUB: hub.url, COLLAB_DESK_TOKEN: alice } as Record<string, string>,
        stderr: 'pipe',
      }),
    );
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['post', 'read_board', 'read_inbox', 'write_file', 'publish_result', 'wait']),
    );
    // No challenge is installed on this hub: no job tools.
    expect(names).not.toContain('submit_job');
    const post = tools.find((t) => t.name === 'post')!;
    expect(post.inputSchema).toMatchObject({
      type: 'object',
      // Only the body: an MCP client may leave out what the grammar of a local agent fills with "" or [].
      required: ['body'],
      additionalProperties: false,
    });
    expect(post.annotations?.readOnlyHint).toBe(false);

    const result = await client.callTool({
      name: 'post',
      arguments: { body: 'hello over MCP, @bob', channel: '', reply_to: '', refs: [] },
    });
    expect(result.isError, textOf(result)).toBe(false);
    const { filename, mentions_delivered } = JSON.parse(textOf(result)) as {
      filename: string;
      mentions_delivered: string[];
    };
    expect(mentions_delivered).toEqual(['bob']);
    const board = await hub.call('GET', '/v1/messages?expand=true');
    expect(board.body.items.find((m: { filename: string }) => m.filename === filename)).toMatchObject({
      frontmatter: { agent: 'alice' },
      body: 'hello over MCP, @bob',
    });

    const bad = await client.callTool({ name: 'read_board', arguments: { channel: '', limit: 70 } });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain('limit must be an integer from 1 to 20');
  }, 30_000);

  it('exits 1 without COLLAB_DESK_TOKEN when no client registers, or with a token the hub does not know, and never prints it', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, COLLAB_DESK_HUB: hub.url };
    delete env.COLLAB_DESK_TOKEN;
    const missing = await runCli(['mcp'], 15_000, env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('collab-desk mcp: set COLLAB_DESK_TOKEN');
    expect(missing.stdout).toBe('');

    const secret = 'cd_wrong_token_0123456789';
    const wrong = await runCli(['mcp'], 15_000, { ...env, COLLAB_DESK_TOKEN: secret });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('the hub does not accept COLLAB_DESK_TOKEN');
    expect(wrong.stderr + wrong.stdout).not.toContain(secret);

    const down = await runCli(['mcp', '--hub', 'http://127.0.0.1:9'], 15_000, { ...env, COLLAB_DESK_TOKEN: secret });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('the hub at http://127.0.0.1:9 could not be reached');
  }, 45_000);
});

describe('MCP over streamable HTTP', () => {
  let server: RunningMcpHttp;
  beforeAll(async () => {
    server = await startMcpHttp({ hubUrl: hub.url, port: 0 });
  });
  afterAll(() => server.close());

  const http = (token: string) =>
    new StreamableHTTPClientTransport(new URL(server.url), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    });

  it('serves each session as the agent whose token opened it', async () => {
    const asBob = await connect(http(bob));
    const posted = await asBob.callTool({
      name: 'post',
      arguments: { body: 'bob, over HTTP', channel: '', reply_to: '', refs: [] },
    });
    expect(posted.isError, textOf(posted)).toBe(false);
    const asAlice = await connect(http(alice));
    const written = await asAlice.callTool({
      name: 'write_file',
      arguments: { path: 'mcp.md', content: 'from alice' },
    });
    expect(JSON.parse(textOf(written))).toMatchObject({ path: 'scratch/alice/mcp.md' });
    const board = await asAlice.callTool({ name: 'read_board', arguments: { channel: '', limit: 5 } });
    expect(JSON.parse(textOf(board)).messages[0]).toMatchObject({ author: 'bob', body: 'bob, over HTTP' });
  });

  it('serves a client without a token only register, then as the agent it registered', async () => {
    const anonymousTransport = new StreamableHTTPClientTransport(new URL(server.url));
    const anonymous = await connect(anonymousTransport);
    let told = 0;
    anonymous.setNotificationHandler(ToolListChangedNotificationSchema, () => void told++);
    expect((await anonymous.listTools()).tools.map((t) => t.name)).toEqual(['register']);
    const early = await anonymous.callTool({ name: 'read_inbox', arguments: {} });
    expect(early.isError).toBe(true);
    expect(textOf(early)).toMatch(/call register/);
    const made = await anonymous.callTool({
      name: 'register',
      arguments: { agent_id: 'carol-http', model: 'test-model', harness: 'an mcp client' },
    });
    expect(made.isError, textOf(made)).toBe(false);
    const { token } = JSON.parse(textOf(made)) as { token: string };
    await expect.poll(() => told).toBe(1);
    // The same session now acts as carol-http, with the agent's tools.
    const posted = await anonymous.callTool({ name: 'post', arguments: { body: 'carol registered over HTTP' } });
    expect(posted.isError, textOf(posted)).toBe(false);
    expect((await hub.call('GET', '/v1/messages?agent=carol-http&expand=true')).body.items[0].body).toBe(
      'carol registered over HTTP',
    );
    // And her token opens her own sessions from now on.
    const asCarol = await connect(http(token));
    const inbox = await asCarol.callTool({ name: 'read_inbox', arguments: {} });
    expect(inbox.isError, textOf(inbox)).toBe(false);
    // Another agent's token, valid on this hub, cannot drive the session carol registered through.
    const hijack = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${bob}`,
        'mcp-session-id': anonymousTransport.sessionId!,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(hijack.status).toBe(401);
  });

  it('bounds the sessions open without a token, and says how to go on', async () => {
    const small = await startMcpHttp({ hubUrl: hub.url, port: 0, maxTokenlessSessions: 2 });
    try {
      const open = (headers: Record<string, string> = {}) =>
        fetch(small.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
          body: JSON.stringify(initialize),
        });
      for (let i = 0; i < 2; i++) {
        const ok = await open();
        expect(ok.status).toBe(200);
        await ok.body?.cancel();
      }
      const refused = await open();
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
        /2 sessions without a token are open already; register/,
      );
      // An agent's own token still opens a session.
      const withToken = await open({ authorization: `Bearer ${alice}` });
      expect(withToken.status).toBe(200);
      await withToken.body?.cancel();
    } finally {
      await small.close();
    }
  });

  it("answers 401 to a malformed or unknown token, and to another session's id", async () => {
    const post = (headers: Record<string, string>, body: unknown = initialize) =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify(body),
      });
    const malformed = await post({ authorization: 'Basic abc' });
    expect(malformed.status).toBe(401);
    expect(malformed.headers.get('www-authenticate')).toContain('Bearer');
    const unknown = await post({ authorization: 'Bearer not-a-token' });
    expect(unknown.status).toBe(401);
    expect(await unknown.text()).not.toContain('not-a-token');
    await expect(connect(http('still-not-a-token'))).rejects.toThrow();

    // A session opened by alice cannot be driven with bob's token.
    const opened = await post({ authorization: `Bearer ${alice}` });
    expect(opened.status).toBe(200);
    const session = opened.headers.get('mcp-session-id')!;
    await opened.body?.cancel();
    const hijack = await post(
      { authorization: `Bearer ${bob}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    );
    expect(hijack.status).toBe(401);
    // Nor without a token: only a session opened without one goes on without one.
    const tokenless = await post(
      { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
      { jsonrpc: '2.0', id: 3, method: 'tools/list' },
    );
    expect(tokenless.status).toBe(401);
  });

  it('follows the challenge: installing one adds the job tools and tells connected clients', async () => {
    const client = await connect(http(alice));
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('submit_job');
    let told = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void told++);
    const { file } = await writeTestPack(join(dir, 'pack'));
    await installTestPack(file, hub.dataDir);
    // A call that only a fresh tool list can answer finds the new tools, is answered, and the client is told.
    const jobs = await client.callTool({ name: 'list_jobs', arguments: { state: 'all', limit: 5 } });
    expect(textOf(jobs)).toContain('JOBS_DISABLED');
    await expect.poll(() => told).toBe(1);
    const { tools } = await client.listTools();
    const submit = tools.find((t) => t.name === 'submit_job')!;
    // The new pack's models are named, and every lever the supervisor assigns can be set, each optional.
    const schema = JSON.stringify(submit.inputSchema);
    expect(schema).toContain('draft model: draft-same, or draft-q8, or scratch:<path>');
    for (const key of ['batch_size', 'ubatch_size', 'gpu_layers', 'draft_gpu_layers', 'draft_cache_type_k', 'poll'])
      expect(schema).toContain(`"${key}"`);
    expect(schema).toContain('"required":["spec_type","target","draft"]');
  }, 60_000);
});

describe('collab-desk mcp --http', () => {
  it('prints one line of client configuration and serves MCP there', async () => {
    const proc = startCli(['mcp', '--http', '--port', '0', '--hub', hub.url]);
    const [line] = await proc.waitForLines(1);
    const config = JSON.parse(line!) as {
      mcpServers: { 'collab-desk': { type: string; url: string; headers: Record<string, string> } };
    };
    const entry = config.mcpServers['collab-desk'];
    expect(entry).toMatchObject({ type: 'http', headers: { Authorization: 'Bearer <your agent token>' } });
    expect(entry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = await connect(
      new StreamableHTTPClientTransport(new URL(entry.url), {
        requestInit: { headers: { Authorization: `Bearer ${bob}` } },
      }),
    );
    const inbox = await client.callTool({ name: 'read_inbox', arguments: { limit: 5 } });
    expect(inbox.isError, textOf(inbox)).toBe(false);
    expect(JSON.parse(textOf(inbox)).messages[0]).toMatchObject({ author: 'alice', body: 'hello over MCP, @bob' });
    await client.close();
    expect((await proc.stop('SIGTERM')).code).toBe(0);
  }, 30_000);
});
