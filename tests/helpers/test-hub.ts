// Starts a real hub (real SQLite file, real HTTP on loopback) in a temp folder, with a raw fetch helper and the shared typed client.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobRunner } from '../../src/shared/challenge';
import type { HubConfig } from '../../src/shared/config';
import { HubClient } from '../../src/shared/hub-client';
import type { PackInstaller } from '../../src/shared/packs-api';
import type { ModelLibrary } from '../../src/shared/models';
import { startHub, type RunningHub } from '../../src/hub/server';

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as-is (no JSON encoding); sets no content type unless `headers` does. */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export interface CallResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface TestHub {
  url: string;
  dataDir: string;
  organizerToken: string;
  running: RunningHub;
  /** Raw: the status, headers and text as they came (for tests of bad input and of the wire itself). */
  call<T = any>(method: string, path: string, options?: CallOptions): Promise<CallResult<T>>;
  /** The shared typed /v1 client for this hub, as `token`'s holder (none: reads only). */
  client(token?: string): HubClient;
  /** Registers an agent and returns its token. */
  register(agentId: string, extra?: Record<string, unknown>): Promise<string>;
  /** Stops the server; the data folder stays (for restart tests) unless `remove`. */
  stop(remove?: boolean): Promise<void>;
  /** Stops and starts a new hub on the same data folder. */
  restart(): Promise<TestHub>;
}

/** Limits loose enough that tests only meet a rate limit when they test it. */
export const RELAXED_LIMITS: Partial<HubConfig['limits']> = {
  raw_messages_per_minute: 10_000,
  raw_messages_per_hour: 100_000,
  writes_burst: 10_000,
  writes_per_minute: 10_000,
  registrations_per_minute: 10_000,
  scratch_writes_per_minute: 10_000,
  channel_creations_per_hour: 10_000,
};

export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Buffer | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

export interface TestHubOptions {
  /** Run benchmark jobs with it (the real engine in tests: `engineJobRunner()`); without, jobs are disabled. */
  jobRunner?: JobRunner;
  /** The model library for this data folder (called again on restart, as the library is closed with the hub); without, /v1/models is disabled. */
  models?: (dataDir: string) => ModelLibrary;
  /** The pack installer for this data folder (called again on restart); without, /v1/packs is disabled. */
  packs?: (dataDir: string) => PackInstaller;
}

export async function startTestHub(
  config: Partial<HubConfig> = {},
  dataDir?: string,
  options: TestHubOptions = {},
): Promise<TestHub> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'collab-desk-test-'));
  const merged: Partial<HubConfig> = {
    ...config,
    limits: { ...RELAXED_LIMITS, ...config.limits } as HubConfig['limits'],
  };
  const running = await startHub({
    dataDir: dir,
    port: 0,
    config: merged,
    ...(options.jobRunner ? { jobRunner: options.jobRunner } : {}),
    ...(options.models ? { models: options.models(dir) } : {}),
    ...(options.packs ? { packs: options.packs(dir) } : {}),
  });
  const organizerToken = readFileSync(running.organizerTokenPath, 'utf8').trim();
  const hub: TestHub = {
    url: running.url,
    dataDir: dir,
    organizerToken,
    running,
    call: (method, path, options) => call(running.url, method, path, options),
    client: (token) => new HubClient({ url: running.url, token }),
    async register(agentId, extra = {}) {
      const res = await hub.call('POST', '/v1/agents/register', {
        body: { agent_id: agentId, model: 'test-model', harness: 'vitest', ...extra },
      });
      if (res.status !== 201) throw new Error(`register ${agentId}: ${res.status} ${res.text}`);
      return res.body.token as string;
    },
    async stop(remove = false) {
      await running.close();
      if (remove) rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await running.close();
      return startTestHub(config, dir, options);
    },
  };
  return hub;
}

/** A markdown result with the default challenge's required fields, overridable one by one. */
export function resultMarkdown(fields: Record<string, unknown> = {}, body = 'How it was measured.'): string {
  const fm = {
    tps: 100,
    ppl: 2.3,
    method: 'plain decode',
    status: 'agent-run',
    description: 'baseline run',
    ...fields,
  };
  const lines = Object.entries(fm)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  return `---\n${lines.join('\n')}\n---\n${body}\n`;
}
