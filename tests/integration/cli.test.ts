// The command a user runs: `collab-desk hub`. What it prints, where it binds, how it stops, how it refuses.
// Runs the built CLI (`npm run build:cli`) as a real child process.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { integrityCheck } from '../helpers/sqlite-check';
import {
  killAllChildren,
  LISTENING_RE,
  PROJECT_ROOT,
  runCli,
  startCli,
  startHubProcess,
  assertCliBuilt,
} from '../helpers/hub-process';
import { SseClient } from '../helpers/sse-client';
import { call } from '../helpers/test-hub';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'collab-desk-cli-'));
  dirs.push(dir);
  return dir;
}

const version = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

beforeAll(() => assertCliBuilt());
afterEach(() => killAllChildren());
afterAll(async () => {
  await killAllChildren();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('collab-desk hub', () => {
  it('prints the address on its first line and the organizer token file on the next, then serves', async () => {
    const dir = tempDir();
    const proc = startCli(['hub', '--port', '0', '--data', dir]);
    const [first, second] = await proc.waitForLines(2);
    const m = LISTENING_RE.exec(first!);
    expect(m, `first line: ${JSON.stringify(first)}`).not.toBeNull();
    const port = Number(m![2]);
    expect(Number.isInteger(port) && port > 0 && port < 65536).toBe(true);

    const tokenFile = join(dir, 'organizer-token');
    expect(second).toBe(`organizer token: ${tokenFile}`);
    expect(existsSync(tokenFile)).toBe(true);
    if (process.platform !== 'win32') expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(tokenFile, 'utf8').trim()).toMatch(/^cdo_/);

    const health = await call(m![1]!, 'GET', '/v1/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const exit = await proc.stop('SIGTERM');
    expect(exit.code).toBe(0);
  });

  it('binds 127.0.0.1 unless told otherwise', async () => {
    const hub = await startHubProcess(tempDir());
    expect(hub.url).toBe(`http://127.0.0.1:${hub.port}`);
    const readme = await call(hub.url, 'GET', '/README.md');
    expect(readme.text).toContain(hub.url);
    expect((await hub.stop('SIGTERM')).code).toBe(0);
  });

  it('closes cleanly on SIGTERM: exit code 0, the write-ahead log checkpointed, the writes kept', async () => {
    const dir = tempDir();
    const hub = await startHubProcess(dir);
    const reg = await call(hub.url, 'POST', '/v1/agents/register', {
      body: { agent_id: 'alice', model: 'm', harness: 'h' },
    });
    expect(reg.status).toBe(201);
    const msg = await call(hub.url, 'POST', '/v1/messages', {
      token: reg.body.token,
      body: { body: 'written before SIGTERM' },
    });
    expect(msg.status).toBe(201);

    const exit = await hub.stop('SIGTERM');
    expect(exit, hub.stderr()).toEqual({ code: 0, signal: null });
    const wal = join(dir, 'hub.db-wal');
    expect(existsSync(wal) ? statSync(wal).size : 0, 'bytes left in hub.db-wal').toBe(0);
    expect(integrityCheck(join(dir, 'hub.db'))).toBe('ok');

    const again = await startHubProcess(dir);
    expect((await call(again.url, 'GET', `/v1/messages/${msg.body.filename}`)).body.body).toBe(
      'written before SIGTERM',
    );
    expect((await again.stop('SIGTERM')).code).toBe(0);
  });

  it('closes cleanly on Ctrl-C (SIGINT) too', async () => {
    const hub = await startHubProcess(tempDir());
    expect((await call(hub.url, 'GET', '/v1/healthz')).status).toBe(200);
    expect(await hub.stop('SIGINT')).toEqual({ code: 0, signal: null });
  });

  it('closes cleanly on SIGTERM while a dashboard holds the live event stream open', async () => {
    const hub = await startHubProcess(tempDir());
    const events = await SseClient.connect(`${hub.url}/v1/events`);
    try {
      expect(events.status).toBe(200);
      const exit = await hub.stop('SIGTERM');
      expect(exit).toEqual({ code: 0, signal: null });
      expect(await events.ended()).not.toBe('closed by the client');
    } finally {
      await events.close();
    }
  });

  it('refuses a port already in use, naming the port and suggesting --port 0', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const res = await runCli(['hub', '--data', tempDir(), '--port', String(port)]);
      expect(res.code, res.stderr).not.toBe(0);
      expect(res.code).not.toBeNull();
      expect(res.stderr).toContain(`port ${port}`);
      expect(res.stderr).toContain('--port 0');
      expect(res.stdout).not.toContain('hub listening');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('refuses --port abc with a message that says what a port is', async () => {
    const res = await runCli(['hub', '--data', tempDir(), '--port', 'abc']);
    expect(res.code).not.toBe(0);
    expect(res.code).not.toBeNull();
    expect(res.stderr).toContain('--port');
    expect(res.stderr).toContain("'abc'");
    expect(res.stderr).toMatch(/port number from 0 to 65535/);
    expect(res.stdout).not.toContain('hub listening');
  });

  it('refuses a port number out of range', async () => {
    const res = await runCli(['hub', '--data', tempDir(), '--port', '70000']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/port number from 0 to 65535/);
  });
});

describe('collab-desk --help and --version', () => {
  it('lists the hub command in --help', async () => {
    const res = await runCli(['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Usage: collab-desk/m);
    expect(res.stdout).toMatch(/^\s+hub\b.*Run the hub headless/m);
  });

  it('lists the hub options in hub --help, with 127.0.0.1 as the default host', async () => {
    const res = await runCli(['hub', '--help']);
    expect(res.code).toBe(0);
    for (const opt of ['--data <dir>', '--port <n>', '--host <host>']) expect(res.stdout).toContain(opt);
    expect(res.stdout).toMatch(/--host <host>[\s\S]*default: "127\.0\.0\.1"/);
  });

  it('prints the package version', async () => {
    const res = await runCli(['--version']);
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe(version);
  });

  it('prints the package version through npx collab-desk', async () => {
    // Its own process group, so a guard kill takes npm's children with it.
    const child = spawn('npx', ['--no-install', 'collab-desk', '--version'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const guard = setTimeout(killGroup, 25_000);
    try {
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect(code, err).toBe(0);
      expect(out.trim()).toBe(version);
    } finally {
      clearTimeout(guard);
      if (child.exitCode === null && child.signalCode === null) killGroup();
    }
  }, 30_000);
});
