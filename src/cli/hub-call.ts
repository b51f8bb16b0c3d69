// Calling a running hub from a CLI command: the --hub and --data options, the bearer token, errors a person can act on.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dataLayout, defaultDataFolder } from '../platform/data-folder';
import { stampHolder } from '../platform/process-alive';
import { HubClient } from '../shared/hub-client';
import { HubClientError } from '../shared/hub-error';

export interface HubOptions {
  hub: string;
  data: string;
  /** false: --hub was not given and no hub runs on --data's folder (its organizer token is then not sent). */
  folderHub?: boolean;
}

/** A refusal the command prints as one line (no stack) before exiting 1. */
export class CliError extends Error {}

export const DEFAULT_HUB_URL = 'http://127.0.0.1:4440';

/**
 * The bearer token: an agent's from $COLLAB_DESK_TOKEN, else the organizer's from the data folder, else none (reads
 * work without one; the hub refuses what needs one). Never printed.
 */
export function token(o: HubOptions): string | undefined {
  if (process.env.COLLAB_DESK_TOKEN?.trim()) return process.env.COLLAB_DESK_TOKEN.trim();
  // The folder's organizer token goes only to the folder's own hub, or to the one the person named with --hub.
  if (o.folderHub === false) return undefined;
  try {
    return readFileSync(dataLayout(resolve(o.data)).organizerToken, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** --hub's value as a URL: a bare host:port gets http://; anything else that is not an http(s) URL is refused. */
export function parseHubUrl(value: string): string {
  const v = value.trim();
  const full = /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `http://${v}`;
  let url: URL | null = null;
  try {
    url = new URL(full);
  } catch {
    /* refused below */
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || url.search || url.hash)
    throw new InvalidArgumentError(
      `--hub must be the hub's address: http://HOST:PORT or a bare HOST:PORT such as 127.0.0.1:4440 (got ${JSON.stringify(value)})`,
    );
  return full.replace(/\/+$/, '');
}

/**
 * The hub running on a data folder: the URL it wrote beside its lock (hub.url) while the process named in hub.lock
 * lives; null when none does (never started, stopped, or killed and left both files behind).
 */
export function runningHubUrl(dataDir: string): string | null {
  const root = resolve(dataDir);
  try {
    // The very process that took the lock, not another that got its pid after a crash.
    if (!stampHolder(readFileSync(dataLayout(root).hubLock, 'utf8')).alive) return null;
    const url = readFileSync(dataLayout(root).hubUrl, 'utf8').trim();
    return url ? parseHubUrl(url) : null;
  } catch {
    return null;
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
  if (err.status === 401 || err.status === 403) {
    const hint = err.hint ? ` (${err.hint})` : '';
    const who = process.env.COLLAB_DESK_TOKEN?.trim()
      ? 'sent the token in COLLAB_DESK_TOKEN'
      : token(o)
        ? `sent the organizer token of ${resolve(o.data)}`
        : o.folderHub === false
          ? `sent no token: no hub runs on ${resolve(o.data)}, and its organizer token goes only to its own hub (start it, or name a hub with --hub)`
          : `sent no token: none in COLLAB_DESK_TOKEN, no organizer token in ${resolve(o.data)}`;
    return new CliError(`the hub refused: ${err.message}${hint}; ${who}`);
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

/**
 * --hub and --data. Without --hub (or $COLLAB_DESK_HUB), the hub running on --data's folder is called, else the
 * default address; the action sees the chosen URL in o.hub.
 */
export const withHub = (c: Command) =>
  c
    .addOption(
      new Option(
        '--hub <url>',
        `the hub, http://HOST:PORT or HOST:PORT (default: the hub running on --data's folder, else ${DEFAULT_HUB_URL})`,
      )
        .env('COLLAB_DESK_HUB')
        .argParser(parseHubUrl),
    )
    .option(
      '--data <dir>',
      "the hub's data folder (for the organizer token, unless COLLAB_DESK_TOKEN is set)",
      defaultDataFolder(),
    )
    .hook('preAction', (cmd) => {
      const o = cmd.opts<Partial<HubOptions>>();
      if (o.hub !== undefined) return;
      const data = o.data ?? defaultDataFolder();
      // Without --data, `collab-desk demo`'s hub (its own folder inside the default one) is found too, with its token.
      const folders = cmd.getOptionValueSource('data') === 'default' ? [data, join(data, 'demo')] : [data];
      for (const folder of folders) {
        const url = runningHubUrl(folder);
        if (!url) continue;
        cmd.setOptionValue('hub', url);
        cmd.setOptionValue('data', folder);
        // Said, so a command meant for the default hub does not land on the demo's without a word.
        if (folder !== data) console.error(`collab-desk: using the demo's hub at ${url} (data folder ${folder})`);
        return;
      }
      // No hub runs on the folder: whatever answers at the default address is not known to be its hub.
      cmd.setOptionValue('hub', DEFAULT_HUB_URL);
      cmd.setOptionValue('folderHub', false);
    });

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
