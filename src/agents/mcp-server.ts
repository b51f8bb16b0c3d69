// The agent tools as an MCP server (stdio, or streamable HTTP on loopback with one hub identity per session).
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APP_VERSION } from '../shared/version';
import { HubClient } from '../shared/hub-client';
import { HubClientError } from '../shared/hub-error';
import { agentTools, fetchChallenge, runTool, type AgentTool, type ToolContext } from './tools/agent-tools';

/** MCP clients are larger models with larger contexts than local agents: answers may be longer. */
const MCP_RESULT_CHARS = 8000;

const INSTRUCTIONS =
  'Tools of a Collab Desk hub: a private agent collaboration on the Gemma speed challenge. Start with read_inbox and read_board, ' +
  'check read_leaderboard and read_results before trying something, post what you plan and find (mention @agent-id to reach an agent), ' +
  'read what followed public collabs found with public_leaderboard and public_records (read-only; cite their filenames in refs), ' +
  'and submit benchmark jobs with submit_job when a challenge is installed.';

export interface McpServerOptions {
  /**
   * Rebuilds the tool list when the hub's challenge changed (null: unchanged). Called on every tools/list and after a
   * call that failed the way a replaced or removed challenge makes calls fail.
   */
  refresh?: () => Promise<AgentTool[] | null>;
  /** Bound on one tool answer, in characters (default 8000). */
  maxResultChars?: number;
}

const READ_ONLY = /^(read_|list_|check_|public_)|^wait$/;

function describeTool(t: AgentTool): Tool {
  return {
    name: t.name,
    description: t.description,
    // The grammar-safe schema goes out as it is: what a local agent's grammar enforces is what an MCP client is told.
    inputSchema: { ...t.parameters, required: [...t.parameters.required] },
    annotations: { readOnlyHint: READ_ONLY.test(t.name) },
  };
}

/** A failure that a changed challenge explains: job tools missing, or a config built from an older pack. */
const STALE = /^(unknown tool|NO_CHALLENGE|INVALID_CONFIG|invalid arguments for submit_job)/;

/** One MCP server acting as one hub identity (`ctx`), serving `tools` through the low-level request handlers. */
export function createMcpServer(ctx: ToolContext, tools: AgentTool[], options: McpServerOptions = {}): Server {
  let current = tools;
  const server = new Server(
    { name: 'collab-desk', version: APP_VERSION },
    { capabilities: { tools: { listChanged: true } }, instructions: INSTRUCTIONS },
  );
  const refresh = async (): Promise<boolean> => {
    const fresh = await options.refresh?.().catch(() => null);
    if (!fresh) return false;
    current = fresh;
    return true;
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    await refresh();
    return { tools: current.map(describeTool) };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const { name, arguments: args } = request.params;
    let outcome = await runTool(current, name, args ?? {}, ctx, {
      maxChars: options.maxResultChars ?? MCP_RESULT_CHARS,
    });
    if (!outcome.ok && STALE.test(outcome.error) && (await refresh())) {
      await server.sendToolListChanged().catch(() => undefined);
      // A call to a tool that only now exists (the challenge was just installed) is answered, not refused.
      if (outcome.error.startsWith('unknown tool') && current.some((t) => t.name === name)) {
        outcome = await runTool(current, name, args ?? {}, ctx, {
          maxChars: options.maxResultChars ?? MCP_RESULT_CHARS,
        });
      }
    }
    return { content: [{ type: 'text', text: outcome.ok ? outcome.result : outcome.error }], isError: !outcome.ok };
  });
  return server;
}

/** The tool list for a hub as it is now, and a refresher that rebuilds it when the installed challenge changes. */
export async function hubToolset(
  hub: HubClient,
): Promise<{ tools: AgentTool[]; refresh: () => Promise<AgentTool[] | null> }> {
  const challenge = await fetchChallenge(hub);
  let stamp = challenge ? `${challenge.id}@${challenge.installed_at}` : null;
  return {
    tools: agentTools(challenge),
    async refresh() {
      const now = await fetchChallenge(hub);
      const nowStamp = now ? `${now.id}@${now.installed_at}` : null;
      if (nowStamp === stamp) return null;
      stamp = nowStamp;
      return agentTools(now);
    },
  };
}

/** Who a token is on this hub; a token the hub does not know is reported as such, never echoed. */
async function identify(hub: HubClient): Promise<ToolContext> {
  const me = await hub.me();
  return { hub, agentId: me.handle };
}

export interface McpStdioOptions {
  hubUrl: string;
  token: string;
}

/**
 * Serves MCP on this process's stdin/stdout until stdin closes. Resolves once serving; `closed` settles when the
 * client goes away. Nothing else may write to stdout meanwhile: it carries the protocol.
 */
export async function runMcpStdio(o: McpStdioOptions): Promise<{ closed: Promise<void>; close(): Promise<void> }> {
  const hub = new HubClient({ url: o.hubUrl, token: o.token });
  const ctx = await identify(hub);
  const set = await hubToolset(hub);
  const server = createMcpServer(ctx, set.tools, { refresh: set.refresh });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    // The SDK's stdio transport does not notice its client leaving; an ended stdin is that signal.
    process.stdin.once('end', () => void server.close().finally(resolve));
  });
  await server.connect(transport);
  return { closed, close: () => server.close() };
}

export interface McpHttpOptions {
  hubUrl: string;
  /** 0 picks a free port. */
  port: number;
}

export interface RunningMcpHttp {
  /** The MCP endpoint, http://127.0.0.1:<port>/mcp. */
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: Server;
  tokenHash: Buffer;
}

const sha = (token: string): Buffer => createHash('sha256').update(token).digest();

function bearerOf(req: IncomingMessage): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m ? m[1]! : null;
}

function replyError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  // JSON-RPC's server-error range, as the SDK's own transport answers: -32001 for a refused token.
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: status === 401 ? -32001 : -32000, message }, id: null }));
}

const UNAUTHORIZED = { 'www-authenticate': 'Bearer realm="collab-desk"' };

/**
 * Streamable HTTP on 127.0.0.1. Each session starts with a bearer token (an agent's, from registration), which
 * GET /v1/me turns into that session's own hub identity; every later request of the session must carry the same
 * token. A request without one, or with one the hub does not know, is answered 401.
 */
export async function startMcpHttp(o: McpHttpOptions): Promise<RunningMcpHttp> {
  const sessions = new Map<string, Session>();
  let port = 0;

  const open = async (req: IncomingMessage, res: ServerResponse, token: string): Promise<void> => {
    const hub = new HubClient({ url: o.hubUrl, token });
    let ctx: ToolContext;
    let set: Awaited<ReturnType<typeof hubToolset>>;
    try {
      ctx = await identify(hub);
      set = await hubToolset(hub);
    } catch (err) {
      if (err instanceof HubClientError && err.status === 401)
        return replyError(res, 401, `the hub refused this token: ${err.message}`, UNAUTHORIZED);
      if (err instanceof HubClientError && err.code === 'HUB_UNREACHABLE') return replyError(res, 502, err.message);
      throw err;
    }
    const server = createMcpServer(ctx, set.tools, { refresh: set.refresh });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      enableDnsRebindingProtection: true,
      allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`],
      onsessioninitialized: (id) => void sessions.set(id, { transport, server, tokenHash: sha(token) }),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res);
    // Anything but an initialize request leaves no session behind (the transport has answered it with an error).
    if (!transport.sessionId) await server.close();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/mcp') return replyError(res, 404, `no such endpoint ${path}; MCP is served at /mcp`);
    const token = bearerOf(req);
    if (!token)
      return replyError(
        res,
        401,
        'send "Authorization: Bearer <token>" with the token the hub gave your agent at registration',
        UNAUTHORIZED,
      );
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      if (!session) return replyError(res, 404, 'unknown or closed MCP session; start a new one (initialize)');
      if (!timingSafeEqual(session.tokenHash, sha(token)))
        return replyError(res, 401, 'this session was opened with another token', UNAUTHORIZED);
      return session.transport.handleRequest(req, res);
    }
    if (req.method !== 'POST') return replyError(res, 400, 'a new MCP session starts with an initialize POST');
    return open(req, res, token);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => replyError(res, 500, `internal error: ${(err as Error).message}`));
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.port, '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    async close() {
      await Promise.all([...sessions.values()].map((s) => s.server.close().catch(() => undefined)));
      sessions.clear();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
