// The swarm from the command line: `agents start|list|stop|remove` against a hub process (the demo end to end is
// tests/integration/demo-cli.test.ts and tests/e2e/newcomer-journey.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, killAllChildren, runCli, startHubProcess } from '../helpers/hub-process';

describe('collab-desk agents', () => {
  let dir: string;

  beforeAll(() => {
    assertCliBuilt();
    dir = mkdtempSync(join(tmpdir(), 'collab-desk-swarm-cli-'));
  });

  afterAll(async () => {
    await killAllChildren();
    rmSync(dir, { recursive: true, force: true });
  });

  it('`agents start|list|stop` drive the swarm of a running hub over its API', async () => {
    const data = join(dir, 'hub');
    // A hub with the demo challenge: its target is the agents' model when none is given.
    expect((await runCli(['challenge', 'init', 'demo', '--data', data], 120_000)).code).toBe(0);
    const hub = await startHubProcess(data);
    const started = await runCli(
      ['agents', 'start', '--count', '1', '--max-steps', '1', '--hub', hub.url, '--data', data],
      60_000,
    );
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/^started local-1 \(local, explorer, direction drafter\)$/m);

    const listed = await runCli(['agents', 'list', '--json', '--hub', hub.url, '--data', data]);
    expect(listed.code).toBe(0);
    const status = JSON.parse(listed.stdout);
    expect(status.agents.map((a: { agent_id: string }) => a.agent_id)).toEqual(['local-1']);
    expect(status.inference.state).toMatch(/ready|paused/);

    const table = await runCli(['agents', 'list', '--hub', hub.url, '--data', data]);
    expect(table.stdout).toMatch(/^agent\s+kind\s+role\s+direction\s+state/m);
    expect(table.stdout).toMatch(/^local-1\s+local\s+explorer\s+drafter/m);

    const stopped = await runCli(['agents', 'stop', '--hub', hub.url, '--data', data], 30_000);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/^local-1\s+local\s+explorer\s+drafter\s+stopped/m);
    expect(stopped.stdout).toMatch(/inference: stopped/);

    // Refusals are one clear line, not a stack.
    const bad = await runCli(['agents', 'start', '--model', '/nope.gguf', '--hub', hub.url, '--data', data]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(
      "collab-desk agents: the chat model /nope.gguf does not exist (pass the path of a GGUF chat model on this machine: the dashboard's Models panel lists the installed ones)",
    );
    // A file that is not a model is named as such, not as a conflict with the model being served.
    const notGguf = await runCli(['agents', 'start', '--model', '/etc/passwd', '--hub', hub.url, '--data', data]);
    expect(notGguf.code).toBe(1);
    expect(notGguf.stderr).toContain('the chat model /etc/passwd is not a GGUF file');

    // A stopped agent can be removed from the list; the line says which.
    const removed = await runCli(['agents', 'remove', '--hub', hub.url, '--data', data]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout.trim()).toBe('removed local-1');
    const empty = await runCli(['agents', 'list', '--hub', hub.url, '--data', data]);
    expect(empty.stdout).toContain('no agents yet');
    hub.child.kill('SIGTERM');
    await hub.exited;
  }, 240_000);
});
