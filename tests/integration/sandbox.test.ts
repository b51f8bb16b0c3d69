// External agents in their sandbox, against a real `collab-desk hub` process: a hostile agent gets none of the hub's
// secrets or files and writes nowhere but its folder, while its own work (posts, files, jobs) succeeds; without a
// sandbox it runs only when the organizer accepts the risk, and then it can read everything (the defect, shown).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectSandbox } from '../../src/platform/sandbox';
import type { SwarmAgentStatus, SwarmStatus } from '../../src/shared/swarm';
import { call } from '../helpers/test-hub';
import { killAllChildren, startHubProcess, type HubProcess } from '../helpers/hub-process';
import { installTestPack, writeTestPack } from '../helpers/test-pack';

const HOSTILE = fileURLToPath(new URL('../fixtures/hostile-agent.mjs', import.meta.url));
const HF_SECRET = 'hf_sandboxTestSecret0123456789abcdef';
const VICTIM_NOTES = "victim's private notes: the lever that works";

const root = mkdtempSync(join(tmpdir(), 'collab-desk-sandbox-'));
const support = await detectSandbox();

interface Report {
  read: Record<string, string | null>;
  wrote: Record<string, true | string>;
  listed: Record<string, string[] | string>;
  own: { file: boolean; post: number; job: number; register: number };
}

/** A hub process (its environment holding a Hugging Face token) with a pack installed and a victim agent's notes. */
async function hubIn(
  name: string,
  env: Record<string, string> = {},
): Promise<{ hub: HubProcess; dataDir: string; organizer: string }> {
  const dir = join(root, name);
  const dataDir = join(dir, 'data');
  const { file } = await writeTestPack(join(dir, 'pack'));
  await installTestPack(file, dataDir);
  mkdirSync(join(dataDir, 'scratch', 'victim'), { recursive: true });
  writeFileSync(join(dataDir, 'scratch', 'victim', 'notes.md'), VICTIM_NOTES);
  const saved = { ...process.env };
  Object.assign(process.env, { HF_TOKEN: HF_SECRET, ...env });
  try {
    const hub = await startHubProcess(dataDir);
    return { hub, dataDir, organizer: readFileSync(join(dataDir, 'organizer-token'), 'utf8').trim() };
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

async function finished(hub: HubProcess, organizer: string, id: string): Promise<SwarmAgentStatus> {
  for (;;) {
    const status = (await call(hub.url, 'GET', '/v1/swarm', { token: organizer })).body as SwarmStatus;
    const agent = status.agents.find((a) => a.agent_id === id)!;
    if (['stopped', 'failed', 'backoff'].includes(agent.state)) return agent;
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterAll(async () => {
  await killAllChildren();
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(support.kind !== 'bubblewrap')('a sandboxed external agent (bubblewrap)', () => {
  let hub: HubProcess;
  let dataDir: string;
  let organizer: string;
  const plant = join(root, 'planted-outside.txt');

  beforeAll(async () => {
    ({ hub, dataDir, organizer } = await hubIn('sandboxed'));
  }, 60_000);

  it("reads none of the hub's secrets or files, writes nowhere but its folder, and its own work succeeds", async () => {
    const res = await call(hub.url, 'POST', '/v1/swarm/agents', {
      token: organizer,
      body: {
        kind: 'external',
        name: 'mallory',
        command: `node ${HOSTILE} ${hub.child.pid} ${plant}`,
        sandbox: { read: [dirname(HOSTILE)] },
      },
    });
    expect(res.status, res.text).toBe(201);
    const started = res.body.agents[0] as SwarmAgentStatus;
    // The card says how it is confined.
    expect(started.sandbox).toMatchObject({
      kind: 'bubblewrap',
      read: expect.arrayContaining([dirname(HOSTILE)]),
      write: expect.arrayContaining([join(dataDir, 'scratch', 'mallory-1')]),
    });
    expect(started.sandbox!.hidden).toContain(dataDir);
    const done = await finished(hub, organizer, 'mallory-1');
    expect(done.state, done.error ?? '').toBe('stopped');

    const report = JSON.parse(readFileSync(join(dataDir, 'scratch', 'mallory-1', 'report.json'), 'utf8')) as Report;
    // Nothing of the hub's: the organizer token, the pack with its held-out prompts, the record, the hub's environment.
    for (const name of ['organizer_token', 'pack', 'hub_db', 'hub_environ', 'other_agent'])
      expect(report.read[name], name).toBeNull();
    expect(report.read.parent_environ).not.toContain(HF_SECRET);
    expect(report.read.parent_environ).not.toContain(organizer);
    const seen = JSON.stringify(report);
    for (const secret of [HF_SECRET, organizer, VICTIM_NOTES]) expect(seen).not.toContain(secret);
    // Of the data folder it sees its own folder (and its prompt), nothing else; of the processes, only its own.
    expect(report.listed.scratch).toEqual(['mallory-1']);
    expect(report.listed.data).not.toEqual(expect.arrayContaining(['organizer-token']));
    for (const hidden of ['organizer-token', 'hub.db', 'challenge', 'central'])
      expect(report.listed.data).not.toContain(hidden);
    expect(report.listed.proc).not.toContain(String(hub.child.pid));
    // The machine's sockets (D-Bus, Docker, the user's session) under /run are out of reach; so is the held-out set.
    for (const socket of ['dbus', 'docker.sock', 'user']) expect(report.listed.run).not.toContain(socket);
    expect(report.listed.held_out).toBe('ENOENT');
    // Its writes outside its folder landed nowhere real.
    expect(report.wrote.system).not.toBe(true);
    expect(existsSync(plant)).toBe(false);
    expect(existsSync(join(dataDir, 'central', 'planted.md'))).toBe(false);
    expect(existsSync(join(dataDir, 'scratch', 'victim', 'planted.md'))).toBe(false);
    expect(readFileSync(join(dataDir, 'scratch', 'victim', 'notes.md'), 'utf8')).toBe(VICTIM_NOTES);
    // Its own work: a file in its folder, a post, a queued job, a registration, all through the hub.
    expect(report.own).toEqual({ file: true, post: 201, job: 201, register: 201 });
    expect(readFileSync(join(dataDir, 'scratch', 'mallory-1', 'notes.md'), 'utf8')).toContain('mallory-1');
  }, 120_000);

  it('refuses grants it cannot honour, and a program the sandbox would hide, saying how to fix it', async () => {
    const spawn = (body: Record<string, unknown>) =>
      call(hub.url, 'POST', '/v1/swarm/agents', { token: organizer, body: { kind: 'external', ...body } });
    const relative = await spawn({ command: 'true', sandbox: { read: ['bin'] } });
    expect(relative.status).toBe(400);
    expect(relative.body.error.message).toContain('not an absolute path');
    const inside = await spawn({ command: 'true', sandbox: { read: [join(dataDir, 'challenge')] } });
    expect(inside.status).toBe(400);
    expect(inside.body.error.message).toContain("inside the hub's data folder");
    // A CLI installed where the sandbox hides (here under /tmp, as under a home folder).
    const tool = join(root, 'tools', 'my-agent');
    mkdirSync(dirname(tool), { recursive: true });
    writeFileSync(tool, '#!/bin/sh\necho "agent ran"\n', { mode: 0o755 });
    const hidden = await spawn({ command: `${tool} {prompt_file}` });
    expect(hidden.status).toBe(400);
    expect(hidden.body.error.message).toContain(`${tool} lies in /tmp, which the sandbox hides`);
    expect(hidden.body.error.hint).toContain(`sandbox.read ["${dirname(tool)}"]`);
    const granted = await spawn({ name: 'tool', command: `${tool} {prompt_file}`, sandbox: { read: [dirname(tool)] } });
    expect(granted.status, granted.text).toBe(201);
    const done = await finished(hub, organizer, 'tool-1');
    expect(done).toMatchObject({ state: 'stopped', last_message: 'agent ran' });
  }, 60_000);

  it('stops a sandboxed agent politely: it gets the SIGTERM itself and can finish before the sandbox goes', async () => {
    // A node agent under the shell, as most are: it takes a moment to wrap up after the SIGTERM.
    const script =
      "process.on('SIGTERM', () => setTimeout(() => { console.log('bye'); process.exit(0); }, 200)); console.log('ready'); setInterval(() => {}, 1000);";
    const command = `node -e "${script}"`;
    expect(
      (
        await call(hub.url, 'POST', '/v1/swarm/agents', {
          token: organizer,
          body: { kind: 'external', name: 'polite', command },
        })
      ).status,
    ).toBe(201);
    for (;;) {
      const agent = ((await call(hub.url, 'GET', '/v1/swarm', { token: organizer })).body as SwarmStatus).agents.find(
        (a) => a.agent_id === 'polite-1',
      )!;
      if (agent.last_message === 'ready') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await call(hub.url, 'POST', '/v1/swarm/agents/polite-1/stop', { token: organizer })).status).toBe(200);
    expect((await finished(hub, organizer, 'polite-1')).state).toBe('stopped');
    const trace = (await call(hub.url, 'GET', '/v1/swarm/agents/polite-1/trace', { token: organizer })).body
      .steps as Array<{ kind: string; text?: string }>;
    expect(trace.map((s) => s.text)).toContain('bye');
    expect(trace.find((s) => s.text?.startsWith('process ended'))?.text).toBe('process ended (exit code 0)');
  }, 60_000);
});

describe('where no sandbox can start', () => {
  let hub: HubProcess;
  let dataDir: string;
  let organizer: string;

  beforeAll(async () => {
    ({ hub, dataDir, organizer } = await hubIn('bare', { COLLAB_DESK_BWRAP: '/nonexistent/bwrap' }));
  }, 60_000);

  it('refuses an external agent with the reason, and runs it only when the organizer accepts the risk for it', async () => {
    const command = `node ${HOSTILE} ${hub.child.pid} ${join(root, 'bare-plant.txt')}`;
    const refused = await call(hub.url, 'POST', '/v1/swarm/agents', {
      token: organizer,
      body: { kind: 'external', name: 'eve', command },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('SANDBOX_UNAVAILABLE');
    expect(refused.body.error.message).toContain('bubblewrap (bwrap) is not installed');
    expect(refused.body.error.hint).toContain('accept_unsandboxed');
    // Nothing was registered or started by the refusal.
    expect(((await call(hub.url, 'GET', '/v1/swarm', { token: organizer })).body as SwarmStatus).agents).toEqual([]);

    const accepted = await call(hub.url, 'POST', '/v1/swarm/agents', {
      token: organizer,
      body: { kind: 'external', name: 'eve', command, accept_unsandboxed: true },
    });
    expect(accepted.status, accepted.text).toBe(201);
    const card = accepted.body.agents[0] as SwarmAgentStatus;
    expect(card.sandbox!.kind).toBe('none');
    expect(card.sandbox!.read[0]).toContain('the organizer token');
    await finished(hub, organizer, 'eve-1');
    // What accepting the risk means, shown: the same agent reads the organizer token and the held-out prompts.
    const report = JSON.parse(readFileSync(join(dataDir, 'scratch', 'eve-1', 'report.json'), 'utf8')) as Report;
    expect(report.read.organizer_token?.trim()).toBe(organizer);
    expect(report.read.other_agent).toBe(VICTIM_NOTES);
  }, 60_000);
});
