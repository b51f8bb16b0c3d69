// Calling a running hub from a CLI command: the --hub and --data options, the bearer token, errors a person can act on.
import { InvalidArgumentError, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { dataLayout, defaultDataFolder } from '../platform/data-folder';
import { HubClient } from '../shared/hub-client';
import { HubClientError } from '../shared/hub-error';

export interface HubOptions {
  hub: string;
  data: string;
}

/** A refusal the command prints as one line (no stack) before exiting 1. */
export class CliError extends Error {}

/** The bearer token: an agent's from $COLLAB_DESK_TOKEN, else the organizer's from the data folder. Never printed. */
export function token(o: HubOptions): string {
  if (process.env.COLLAB_DESK_TOKEN) return process.env.COLLAB_DESK_TOKEN.trim();
  const file = dataLayout(resolve(o.data)).organizerToken;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new CliError(
      `no token: set COLLAB_DESK_TOKEN to an agent's token, or point --data at the hub's data folder (no ${file})`,
    );
  }
}

/**
 * One JSON call to the hub over the shared client, as the organizer or the agent of $COLLAB_DESK_TOKEN. No time
 * limit: a person waits for what they asked, and a spawn may load a model first.
 */
export async function call<T>(o: HubOptions, method: string, path: string, body?: unknown): Promise<T> {
  const hub = new HubClient({ url: o.hub, token: token(o), timeoutMs: 0 });
  try {
    return await hub.call<T>(method, path, body);
  } catch (err) {
    throw cliErrorOf(o, err);
  }
}

/** The hub's refusal as "<message> (<hint>)", an unreachable hub with what to do about it; other errors as they are. */
function cliErrorOf(o: HubOptions, err: unknown): unknown {
  if (!(err instanceof HubClientError)) return err;
  if (err.code === 'HUB_UNREACHABLE') {
    // The network's own words (ECONNREFUSED, a bad URL), not the client's sentence, which names the hub differently.
    const failure = err.cause instanceof Error ? err.cause : err;
    const why = failure.cause instanceof Error ? failure.cause.message : failure.message;
    return new CliError(`cannot reach the hub at ${o.hub} (${why}); start it with \`collab-desk hub\` or pass --hub`);
  }
  return new CliError(`${err.message}${err.hint ? ` (${err.hint})` : ''}`);
}

export function int(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

export const withHub = (c: Command) =>
  c
    .option('--hub <url>', 'the hub', process.env.COLLAB_DESK_HUB ?? 'http://127.0.0.1:4440')
    .option(
      '--data <dir>',
      "the hub's data folder (for the organizer token, unless COLLAB_DESK_TOKEN is set)",
      defaultDataFolder(),
    );

/** Runs a command's action; a CliError becomes "collab-desk <name>: <message>" and exit code 1. */
export async function run(name: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (err instanceof CliError) {
      console.error(`collab-desk ${name}: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}
