// A newcomer's first hour with the CLI: reads without a token, refusals that say so, --hub as host:port, the hub
// found from its data folder, commands that confirm what they did, --direction checked, a failed start leaving nothing.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEVERS } from '../../src/shared/levers';
import { assertCliBuilt, killAllChildren, runCli, startHubProcess, type HubProcess } from '../helpers/hub-process';

/** The environment of a person who set nothing: no hub address, no agent token. */
function plainEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.COLLAB_DESK_HUB;
  delete env.COLLAB_DESK_TOKEN;
  return env;
}

describe('collab-desk in the first hour', () => {
  let dir: string;
  let data: string;
  /** A folder with no organizer token: the CLI has no token to send. */
  let empty: string;
  let hub: HubProcess;
  const env = plainEnv();
  const cli = (args: string[]) => runCli(args, 30_000, env);

  beforeAll(async () => {
    assertCliBuilt();
    dir = mkdtempSync(join(tmpdir(), 'collab-desk-first-hour-'));
    data = join(dir, 'data');
    empty = join(dir, 'empty');
    mkdirSync(empty);
    hub = await startHubProcess(data, [], env);
  }, 60_000);

  afterAll(async () => {
    await killAllChildren();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a running hub writes its URL beside its lock, and commands without --hub find it from --data', async () => {
    expect(readFileSync(join(data, 'hub.url'), 'utf8').trim()).toBe(hub.url);
    const listed = await cli(['agents', 'list', '--json', '--data', data]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).agents).toEqual([]);
  });

  it('reads work without a token, and --hub takes a bare host:port', async () => {
    for (const address of [`127.0.0.1:${hub.port}`, `localhost:${hub.port}`]) {
      const listed = await cli(['agents', 'list', '--hub', address, '--data', empty]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout.trim()).toBe('no agents yet: collab-desk agents start --count 3');
    }
  });

  it("a refusal says the hub refused, in the hub's words, never that it cannot be reached", async () => {
    const stopped = await cli(['agents', 'stop', '--hub', `127.0.0.1:${hub.port}`, '--data', empty]);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/^collab-desk agents: the hub refused: \S/);
    expect(stopped.stderr).toMatch(/sent no token/);
    expect(stopped.stderr).not.toMatch(/cannot reach/);
  });

  it('a malformed --hub is refused naming the flag', async () => {
    const bad = await cli(['agents', 'list', '--hub', 'not a hub', '--data', empty]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--hub/);
    expect(bad.stderr).toMatch(/HOST:PORT/);
  });

  it('`agents stop` confirms what it did in one line', async () => {
    const stopped = await cli(['agents', 'stop', '--data', data]);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout.split('\n')[0]).toMatch(/^stopped the swarm \(0 agents\)/);
  });

  it('`agents start --direction nosuch` is refused with the valid levers', async () => {
    const bad = await cli(['agents', 'start', '--direction', 'nosuch', '--data', data]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--direction/);
    for (const lever of LEVERS) expect(bad.stderr).toContain(lever.id);
  });

  it('a hub that cannot listen removes the data folder it created, and only that', async () => {
    const fresh = join(dir, 'fresh');
    const failed = await cli(['hub', '--data', join(fresh, 'deep'), '--port', String(hub.port)]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/already in use/);
    expect(existsSync(fresh)).toBe(false);

    const kept = join(dir, 'kept');
    mkdirSync(kept);
    writeFileSync(join(kept, 'mine.txt'), 'not the hub’s');
    const again = await cli(['hub', '--data', kept, '--port', String(hub.port)]);
    expect(again.code).toBe(1);
    expect(readFileSync(join(kept, 'mine.txt'), 'utf8')).toBe('not the hub’s');
  });

  // The default data folder follows XDG_CONFIG_HOME on Linux only.
  it.skipIf(process.platform !== 'linux')(
    "without --data, the demo's hub is found in its folder inside the default one, with its organizer token",
    async () => {
      const config = join(dir, 'config');
      const demoEnv = { ...env, XDG_CONFIG_HOME: config };
      const demo = await startHubProcess(join(config, 'collab-desk', 'demo'), [], demoEnv);
      // A write: it needs the demo hub's organizer token, read from the folder the hub was found in.
      const stopped = await runCli(['agents', 'stop'], 30_000, demoEnv);
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(stopped.stdout).toMatch(/^stopped the swarm \(0 agents\)/);
      await demo.stop('SIGTERM');
    },
    60_000,
  );

  it.skipIf(process.platform !== 'linux')(
    'a lock left by a killed hub whose pid another process got since is not taken for a running hub',
    async () => {
      // pid 1 lives, but it did not start at this time: the hub that wrote the lock is gone.
      const left = join(dir, 'left');
      mkdirSync(left);
      writeFileSync(join(left, 'hub.lock'), '1 1\n');
      writeFileSync(join(left, 'hub.url'), 'http://127.0.0.1:9\n');
      const listed = await cli(['agents', 'list', '--data', left]);
      expect(listed.stderr).not.toContain('127.0.0.1:9');
      // And a hub starts on the folder, taking the lock over instead of calling it busy.
      const started = await startHubProcess(left, [], env);
      expect(readFileSync(join(left, 'hub.lock'), 'utf8')).toMatch(new RegExp(`^${started.child.pid} \\d+\n$`));
      await started.stop('SIGTERM');
    },
    60_000,
  );

  it('a stopped hub removes its URL, and commands no longer call it', async () => {
    hub.child.kill('SIGTERM');
    await hub.exited;
    expect(existsSync(join(data, 'hub.url'))).toBe(false);
    expect(existsSync(join(data, 'hub.lock'))).toBe(false);
    const listed = await cli(['agents', 'list', '--data', data]);
    expect(listed.stderr).not.toContain(`:${hub.port}`);
  });
});
