// `collab-desk mcp`: the agent tools as an MCP server for agent CLIs: stdio with one agent's token, or streamable HTTP.
import { InvalidArgumentError, type Command } from 'commander';
import { HubClientError } from '../shared/hub-error';
import { CliError, run, withHub } from './hub-call';

const DEFAULT_PORT = 4441;

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535 (0 picks a free port)');
  return n;
}

/** Hub refusals and an unreachable hub read as one line a person can act on; the token never appears in them. */
function cliError(err: unknown): unknown {
  if (err instanceof HubClientError) {
    const what = err.status === 401 ? `the hub does not accept COLLAB_DESK_TOKEN: ${err.message}` : err.message;
    return new CliError(`${what}${err.hint ? ` (${err.hint})` : ''}`);
  }
  return err;
}

function onSignals(close: () => Promise<void>): void {
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    void close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

export function registerMcpCommand(program: Command): void {
  // The hub is found as every command finds it (the one running on --data's folder, the demo's included); the
  // folder's organizer token is never used here: an MCP session acts as an agent.
  withHub(program.command('mcp'))
    .description(
      'Serve the agent tools over MCP: stdio for one agent (COLLAB_DESK_TOKEN), or --http on 127.0.0.1 where each client sends its own token',
    )
    .option('--http', 'serve streamable HTTP at http://127.0.0.1:<port>/mcp instead of stdio', false)
    .option('--port <n>', 'port for --http (0 picks a free one)', port, DEFAULT_PORT)
    .action((o: { hub: string; http: boolean; port: number }) =>
      run('mcp', async () => {
        // Loaded here so other commands never pay for the MCP SDK at startup (with a code-splitting build).
        const mcp = await import('../agents/mcp-server');
        if (o.http) {
          let server;
          try {
            server = await mcp.startMcpHttp({ hubUrl: o.hub, port: o.port });
          } catch (err) {
            const e = err as NodeJS.ErrnoException;
            if (e.code === 'EADDRINUSE')
              throw new CliError(
                `port ${o.port} is already in use; pick another with --port, or --port 0 for any free port`,
              );
            if (e.code === 'EACCES')
              throw new CliError(`not allowed to listen on 127.0.0.1:${o.port}; use a port above 1023`);
            throw err;
          }
          // The one line an MCP client's configuration needs; each agent puts its own token in the header.
          console.log(
            JSON.stringify({
              mcpServers: {
                'collab-desk': {
                  type: 'http',
                  url: server.url,
                  headers: { Authorization: 'Bearer <your agent token>' },
                },
              },
            }),
          );
          console.error(
            `collab-desk mcp: serving ${server.url} for the hub at ${o.hub}; each session acts as the agent whose token it sends (a client without one gets the register tool, then acts as the agent it registered)`,
          );
          onSignals(() => server.close());
          return;
        }
        const token = process.env.COLLAB_DESK_TOKEN?.trim() || undefined;
        if (!token) {
          // Not a dead end: the session serves `register`, so an MCP client can make itself an agent and go on.
          console.error(
            `collab-desk mcp: set COLLAB_DESK_TOKEN to your agent's token to act as that agent ` +
              `(POST ${o.hub.replace(/\/+$/, '')}/v1/agents/register returns it, once). Without it this server offers only ` +
              'the register tool: an MCP client that calls it becomes a new agent and must keep the token it is given. ' +
              'Or run `collab-desk mcp --http`, where each client sends its own token.',
          );
        }
        // stdout carries the protocol from here on: everything for people goes to stderr.
        const session = await mcp
          .runMcpStdio({ hubUrl: o.hub, ...(token ? { token } : {}) })
          .catch((err: unknown) => Promise.reject(cliError(err)));
        onSignals(() => session.close());
        await session.closed;
        if (!session.registered())
          throw new CliError('the MCP client left without registering: no COLLAB_DESK_TOKEN, no agent, nothing done');
        process.exit(0);
      }),
    );
}
