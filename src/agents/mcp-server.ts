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
import {
  agentTools,
  fetchChallenge,
  OPTIONAL_CONFIG_KEYS,
  runTool,
  type AgentTool,
  type ToolContext,
} from './tools/agent-tools';
import { object, str, type JsonObjectSchema, type JsonSchema } from './tools/json-schema';
import { defineTool } from './tools/tool';

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

/** A tool's input schema as MCP clients see it: what the grammar schema becomes once "" means "left out". */
export type McpInputSchema = {
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  required: string[];
  additionalProperties: false;
};

/** What a left-out field means, for a top-level field of a grammar schema: undefined when it must be given. */
function defaultOf(s: JsonSchema): unknown {
  if ('const' in s) return s.const;
  if ('enum' in s) return s.enum.includes('') ? '' : s.enum[0] === 'all' ? 'all' : undefined;
  if ('oneOf' in s) return undefined;
  // Only a field whose grammar says "" means none (`"" for none`) may be left out: an empty file's `content` may not.
  if (s.type === 'string')
    return (s.minLength ?? 0) > 0 || !String(s.description ?? '').includes('""') ? undefined : '';
  if (s.type === 'array') return [];
  // A figure whose grammar says "0 for none" (publish_result's tps and ppl: a job_id's figures are used instead).
  if (s.type === 'number') return String(s.description ?? '').includes('0 for none') ? 0 : undefined;
  return undefined;
}

/**
 * submit_job's config for an MCP client: in each branch the settings with a default (the pack's, or llama.cpp's)
 * may be left out; what tells the branches apart (spec_type, flash_attn "off") stays required, so a config still
 * fits exactly one branch.
 */
function relaxedConfig(s: JsonSchema): Record<string, unknown> {
  if (!('oneOf' in s)) return { ...s };
  return {
    ...s,
    description: `${s.description ?? 'the run configuration'}: spec_type, target and draft name the run; every other setting may be left out (the pack's default applies, else llama.cpp's)`,
    oneOf: s.oneOf.map((b) =>
      'properties' in b
        ? {
            ...b,
            required: b.required.filter((k) => {
              const field = b.properties[k]!;
              return !OPTIONAL_CONFIG_KEYS.has(k) || (k === 'flash_attn' && 'const' in field);
            }),
          }
        : b,
    ),
  };
}

/** A choice among numbers (limit: 5, 10, 20) is, for an MCP client, any integer from 1 (or the least) to the most. */
function integerRange(s: JsonSchema): Record<string, unknown> | null {
  if (!('enum' in s) || s.enum.length === 0 || !s.enum.every((v) => typeof v === 'number' && Number.isInteger(v)))
    return null;
  const values = [...(s.enum as number[])].sort((a, b) => a - b);
  const [minimum, maximum] = [Math.min(1, values[0]!), values[values.length - 1]!];
  const middle = values[Math.floor((values.length - 1) / 2)]!;
  const description = `${s.description ? `${s.description}: ` : ''}an integer from ${minimum} to ${maximum}`;
  return { type: 'integer', minimum, maximum, default: middle, description };
}

/**
 * The MCP schema of a tool, derived from its grammar schema (tools are defined once, for both): local agents decode
 * every field under a grammar, so there "" / [] / "all" stand for "none" and numbers are a few fixed choices; an MCP
 * client may leave such a field out (its default is stated) and give any integer within the choices' bounds. Nested
 * objects (submit_job's config) stay as the grammar has them.
 */
export function mcpInputSchema(grammar: JsonObjectSchema): McpInputSchema {
  const properties: Record<string, Record<string, unknown>> = {};
  const required: string[] = [];
  for (const [key, field] of Object.entries(grammar.properties)) {
    const range = integerRange(field);
    const fallback = range ? range.default : defaultOf(field);
    if (fallback === undefined) {
      properties[key] = key === 'config' ? relaxedConfig(field) : { ...field };
      required.push(key);
      continue;
    }
    const base = range ?? { ...field };
    const said = typeof base.description === 'string' && base.description ? `${base.description}; ` : '';
    properties[key] = {
      ...base,
      default: fallback,
      description: `${said}optional, default ${JSON.stringify(fallback)}`,
    };
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/** An MCP client's arguments with every left-out field set to its default, as the tool (and its grammar) expect. */
export function withDefaults(schema: McpInputSchema, args: unknown): unknown {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return args;
  const filled: Record<string, unknown> = { ...(args as Record<string, unknown>) };
  for (const [key, field] of Object.entries(schema.properties))
    if (filled[key] === undefined && field.default !== undefined)
      filled[key] = structuredClone(field.default as unknown);
  return filled;
}

function describeTool(t: AgentTool): Tool {
  return {
    name: t.name,
    description: t.description,
    inputSchema: mcpInputSchema(t.parameters),
    annotations: { readOnlyHint: READ_ONLY.test(t.name) },
  };
}

/** An MCP client's call, run with its defaults filled in and checked against the relaxed schema. */
function runMcpTool(tools: AgentTool[], name: string, args: unknown, ctx: ToolContext, maxChars: number) {
  const tool = tools.find((t) => t.name === name);
  if (!tool) return runTool(tools, name, args, ctx, { maxChars });
  const schema = mcpInputSchema(tool.parameters);
  return runTool(tools, name, withDefaults(schema, args), ctx, {
    maxChars,
    // Same fields as the tool's own schema, with integer ranges where the grammar has choices: checked alike.
    parameters: schema as unknown as JsonObjectSchema,
  });
}

/**
 * `register` for an MCP session that has no agent yet (stdio without COLLAB_DESK_TOKEN): POST /v1/agents/register,
 * after which the session acts as the new agent. MCP only: a local agent is registered by the swarm.
 */
export const registerTool: AgentTool = defineTool<{ agent_id: string; model: string; harness: string; bio: string }>({
  name: 'register',
  description:
    'Register as a new agent on this hub (POST /v1/agents/register); this session then acts as that agent and the ' +
    'other tools appear. The answer holds your token, shown once: keep it as COLLAB_DESK_TOKEN for later sessions.',
  parameters: object({
    agent_id: str(40, 'your agent id: lowercase letters, digits and "-", 1-40 characters', 1),
    model: str(200, 'the model you run on, e.g. claude-opus-4', 1),
    harness: str(200, 'the agent program, e.g. claude-code or codex', 1),
    bio: str(2000, 'who you are and what you will work on; "" for none'),
  }),
  async run(a, { hub }) {
    const bio = a.bio.trim();
    const made = await hub.register({
      agent_id: a.agent_id.trim(),
      model: a.model.trim(),
      harness: a.harness.trim(),
      ...(bio ? { bio } : {}),
    });
    return {
      agent_id: made.agent_id,
      token: made.token,
      scratch: made.scratch,
      note:
        `this session now acts as ${made.agent_id}. The token is shown this once: for later sessions set ` +
        `COLLAB_DESK_TOKEN to it in this MCP server's configuration (it is the bearer token of the hub's HTTP API too).`,
    };
  },
});

/** A failure that a changed challenge explains: job tools missing, or a config built from an older pack. */
const STALE = /^(unknown tool|NO_CHALLENGE|INVALID_CONFIG|invalid arguments for submit_job)/;

/** What a session becomes once `register` succeeded: the new agent's identity and tools. */
export interface Adopted {
  ctx: ToolContext;
  tools: AgentTool[];
  refresh: () => Promise<AgentTool[] | null>;
}

const UNREGISTERED_NOTE =
  'this session has no agent yet: call register (agent_id, model, harness) to become one, or restart this server ' +
  "with COLLAB_DESK_TOKEN set to your agent's token";

/**
 * One MCP server acting as one hub identity (`ctx`), serving `tools` through the low-level request handlers. With
 * `adopt` and no identity yet (ctx.agentId ""), it serves only `register`, then becomes the agent registered.
 */
export function createMcpServer(
  ctx: ToolContext,
  tools: AgentTool[],
  options: McpServerOptions & { adopt?: (token: string) => Promise<Adopted> } = {},
): Server {
  let current = tools;
  let context = ctx;
  let rebuild = options.refresh;
  let unregistered = options.adopt !== undefined && ctx.agentId === '';
  /** A register call is under way: a second one (the hub would register a second agent) is refused meanwhile. */
  let registering = false;
  if (unregistered) current = [registerTool];
  const maxChars = options.maxResultChars ?? MCP_RESULT_CHARS;
  const server = new Server(
    { name: 'collab-desk', version: APP_VERSION },
    {
      capabilities: { tools: { listChanged: true } },
      instructions: unregistered ? `${UNREGISTERED_NOTE}. Then: ${INSTRUCTIONS}` : INSTRUCTIONS,
    },
  );
  const refresh = async (): Promise<boolean> => {
    const fresh = await rebuild?.().catch(() => null);
    if (!fresh) return false;
    current = fresh;
    return true;
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    await refresh();
    return { tools: current.map(describeTool) };
  });

  const answer = (outcome: { ok: true; result: string } | { ok: false; error: string }) => ({
    content: [{ type: 'text' as const, text: outcome.ok ? outcome.result : outcome.error }],
    isError: !outcome.ok,
  });

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const { name, arguments: args } = request.params;
    if (unregistered) {
      if (name !== 'register')
        return answer({ ok: false, error: `${name} is not available yet: ${UNREGISTERED_NOTE}` });
      if (registering)
        return answer({
          ok: false,
          error:
            'a register is already in progress on this session; wait for its answer (one session registers one agent)',
        });
      registering = true;
      try {
        const outcome = await runMcpTool(current, name, args ?? {}, context, maxChars);
        if (!outcome.ok) return answer(outcome);
        const token = (JSON.parse(outcome.result) as { token: string }).token;
        try {
          const next = await options.adopt!(token);
          [context, current, rebuild, unregistered] = [next.ctx, next.tools, next.refresh, false];
        } catch (err) {
          return answer({
            ok: false,
            error: `registered (${outcome.result}), but this session could not switch to the new agent: ${(err as Error).message}`,
          });
        }
        await server.sendToolListChanged().catch(() => undefined);
        return answer(outcome);
      } finally {
        registering = false;
      }
    }
    let outcome = await runMcpTool(current, name, args ?? {}, context, maxChars);
    if (!outcome.ok && STALE.test(outcome.error) && (await refresh())) {
      await server.sendToolListChanged().catch(() => undefined);
      // A call to a tool that only now exists (the challenge was just installed) is answered, not refused.
      if (outcome.error.startsWith('unknown tool') && current.some((t) => t.name === name)) {
        outcome = await runMcpTool(current, name, args ?? {}, context, maxChars);
      }
    }
    return answer(outcome);
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
  /** The agent's token; without one the session serves only `register` until an agent registers through it. */
  token?: string;
}

async function adoptToken(hubUrl: string, token: string): Promise<Adopted> {
  const hub = new HubClient({ url: hubUrl, token });
  const ctx = await identify(hub);
  const set = await hubToolset(hub);
  return { ctx, tools: set.tools, refresh: set.refresh };
}

/**
 * Serves MCP on this process's stdin/stdout until stdin closes. Resolves once serving; `closed` settles when the
 * client goes away. Nothing else may write to stdout meanwhile: it carries the protocol.
 */
export async function runMcpStdio(
  o: McpStdioOptions,
): Promise<{ closed: Promise<void>; close(): Promise<void>; registered(): boolean }> {
  let registered = o.token !== undefined;
  const server = o.token
    ? await adoptToken(o.hubUrl, o.token).then((a) => createMcpServer(a.ctx, a.tools, { refresh: a.refresh }))
    : createMcpServer({ hub: new HubClient({ url: o.hubUrl }), agentId: '' }, [], {
        adopt: async (token) => {
          const adopted = await adoptToken(o.hubUrl, token);
          registered = true;
          return adopted;
        },
      });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    // The SDK's stdio transport does not notice its client leaving; an ended stdin is that signal.
    process.stdin.once('end', () => void server.close().finally(resolve));
  });
  await server.connect(transport);
  return { closed, close: () => server.close(), registered: () => registered };
}

export interface McpHttpOptions {
  hubUrl: string;
  /** 0 picks a free port. */
  port: number;
  /** Sessions opened without a token and not registered yet that may be open at once (default 32). */
  maxTokenlessSessions?: number;
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
  /** The token that opened it; null: opened without one, to register (then `adopted` holds the new agent's). */
  tokenHash: Buffer | null;
  adopted: Buffer | null;
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
const MAX_TOKENLESS_SESSIONS = 32;

/** A session's later request: the token that opened it; for one opened without a token, none or the agent's it registered. */
function sessionAccepts(session: Pick<Session, 'tokenHash' | 'adopted'>, token: string | null): boolean {
  const sent = token === null ? null : sha(token);
  if (session.tokenHash) return sent !== null && timingSafeEqual(session.tokenHash, sent);
  return sent === null || (session.adopted !== null && timingSafeEqual(session.adopted, sent));
}

/**
 * Streamable HTTP on 127.0.0.1. Each session starts with a bearer token (an agent's, from registration), which
 * GET /v1/me turns into that session's own hub identity; every later request of the session must carry the same
 * token. A token the hub does not know is answered 401. A session opened without one serves only `register` (what
 * POST /v1/agents/register offers anyone anyway) and then acts as the agent registered; its later requests carry no
 * token or that agent's.
 */
export async function startMcpHttp(o: McpHttpOptions): Promise<RunningMcpHttp> {
  const sessions = new Map<string, Session>();
  let port = 0;
  const maxTokenless = o.maxTokenlessSessions ?? MAX_TOKENLESS_SESSIONS;
  /** Anyone on this machine may open one without a token: each holds a server, so their number is bounded. */
  const tokenlessOpen = () => [...sessions.values()].filter((s) => s.tokenHash === null && s.adopted === null).length;

  const open = async (req: IncomingMessage, res: ServerResponse, token: string | null): Promise<void> => {
    let server: Server;
    const session: Pick<Session, 'tokenHash' | 'adopted'> = {
      tokenHash: token === null ? null : sha(token),
      adopted: null,
    };
    if (token === null) {
      server = createMcpServer({ hub: new HubClient({ url: o.hubUrl }), agentId: '' }, [], {
        adopt: async (made) => {
          const adopted = await adoptToken(o.hubUrl, made);
          session.adopted = sha(made);
          return adopted;
        },
      });
    } else {
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
      server = createMcpServer(ctx, set.tools, { refresh: set.refresh });
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      enableDnsRebindingProtection: true,
      allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`],
      onsessioninitialized: (id) => void sessions.set(id, Object.assign(session, { transport, server })),
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
    if (token === null && req.headers.authorization !== undefined)
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
      if (!sessionAccepts(session, token))
        return replyError(res, 401, 'this session was opened with another token', UNAUTHORIZED);
      return session.transport.handleRequest(req, res);
    }
    if (req.method !== 'POST') return replyError(res, 400, 'a new MCP session starts with an initialize POST');
    if (token === null && tokenlessOpen() >= maxTokenless)
      return replyError(
        res,
        503,
        `${maxTokenless} sessions without a token are open already; register through one of them, close one (DELETE /mcp with its Mcp-Session-Id), or open this one with your agent's token`,
        { 'retry-after': '60' },
      );
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
