// The agent swarm on a real hub: local agents on a generated model through the real inference host, external agents, control, traces, secrets.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { superviseBeside, type Supervisor } from '../../src/agents/supervisor';
import { engineJobRunner } from '../../src/bench/job-runner';
import type { InstalledPack, JobInfo } from '../../src/shared/challenge';
import { DEMO_TEXT_MARK, type SwarmAgentStatus, type SwarmStatus, type TraceStep } from '../../src/shared/swarm';
import { assertCliBuilt } from '../helpers/hub-process';
import { SseClient, eventData } from '../helpers/sse-client';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { installTestPack, writeTestPack } from '../helpers/test-pack';

const EXTERNAL = fileURLToPath(new URL('../fixtures/external-agent.mjs', import.meta.url));
const HF_SECRET = 'hf_swarmTestSecretValue0123456789';

async function until<T>(
  what: string,
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function environOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the agent swarm', () => {
  let dir: string;
  let hub: TestHub;
  let supervisor: Supervisor;
  let events: SseClient;
  const seenEnvirons: string[] = [];
  let envWatch: NodeJS.Timeout;
  const previousHfToken = process.env.HF_TOKEN;

  beforeAll(async () => {
    assertCliBuilt();
    // The hub's own environment holds a Hugging Face token: no agent may ever see it.
    process.env.HF_TOKEN = HF_SECRET;
    dir = mkdtempSync(join(tmpdir(), 'collab-desk-swarm-'));
    // Heads 32 wide, as quantized KV caches need: the agents may choose any cache type.
    const { file } = await writeTestPack(
      join(dir, 'pack'),
      { tokens: 16, repeats: 1 },
      { seed: 11, ctx: 16384, heads: 2, kvHeads: 1 },
    );
    await installTestPack(file, join(dir, 'data'));
    hub = await startTestHub({}, join(dir, 'data'), { jobRunner: engineJobRunner() });
    const pack = JSON.parse(readFileSync(hub.running.hub.layout.challengePack, 'utf8')) as InstalledPack;
    supervisor = superviseBeside(hub.running, {
      agentModel: pack.model_paths.target!,
      stepDelayMs: 0,
      restart: { baseMs: 200 },
    });
    events = await SseClient.connect(`${hub.url}/v1/events`);
    // Every process the swarm starts is looked at while it runs.
    envWatch = setInterval(() => {
      for (const a of supervisor.status().agents) if (a.pid) seenEnvirons.push(environOf(a.pid));
    }, 100);
  }, 120_000);

  afterAll(async () => {
    clearInterval(envWatch);
    await events?.close();
    await hub?.stop();
    if (previousHfToken === undefined) delete process.env.HF_TOKEN;
    else process.env.HF_TOKEN = previousHfToken;
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('three local agents register, post and submit jobs through the real hub; the board, jobs and results show it', async () => {
    const spawned = await hub.call<{ agents: SwarmAgentStatus[] }>('POST', '/v1/swarm/agents', {
      token: hub.organizerToken,
      body: { count: 3, max_steps: 3 },
    });
    expect(spawned.status).toBe(201);
    const ids = spawned.body.agents.map((a) => a.agent_id);
    expect(ids).toEqual(['local-1', 'local-2', 'local-3']);
    // Diversity by design: three roles, three directions.
    expect(new Set(spawned.body.agents.map((a) => a.role)).size).toBe(3);
    expect(new Set(spawned.body.agents.map((a) => a.direction)).size).toBe(3);

    const done = await until(
      'three agents to finish 3 steps',
      async () => {
        const s = (await hub.call<SwarmStatus>('GET', '/v1/swarm')).body;
        return (
          s.agents.filter((a) => ids.includes(a.agent_id)).every((a) => a.state === 'stopped' && a.steps === 3) && s
        );
      },
      // A hang guard, not a speed target: three agents thinking on two shared cores took 74 s on a quiet machine and
      // over 180 s beside other test runs.
      480_000,
    );
    await hub.running.hub.jobQueue!.idle();

    const registered = (await hub.call('GET', '/v1/agents?limit=50')).body.items as string[];
    for (const id of ids) {
      expect(registered).toContain(`${id}.md`);
      const status = done.agents.find((a) => a.agent_id === id)!;
      // When an expectation fails, the agent's own trace says what it did.
      const story = JSON.stringify(
        (
          await hub.call<{ steps: TraceStep[] }>('GET', `/v1/swarm/agents/${id}/trace`, { token: hub.organizerToken })
        ).body.steps.map((s) => s.tool_calls?.map((c) => [c.name, c.ok, c.result.slice(0, 160)]) ?? s.text),
      );
      expect(status.tokens_used).toBeGreaterThan(0);
      expect(status.jobs_submitted, story).toBeGreaterThanOrEqual(1);
      // The first step of every agent announces its direction on the board.
      const posts = (await hub.call('GET', `/v1/messages?agent=${id}&limit=50`)).body;
      expect(posts.matched, story).toBeGreaterThanOrEqual(1);
      const jobs = (await hub.call<{ items: JobInfo[] }>('GET', `/v1/jobs?agent=${id}`)).body.items;
      expect(jobs.length, story).toBeGreaterThanOrEqual(1);
      for (const j of jobs) expect(['succeeded', 'failed']).toContain(j.state);
    }
    // Jobs that ran published their results under their agents' names.
    const jobs = (await hub.call<{ items: JobInfo[] }>('GET', '/v1/jobs?kind=bench&limit=100')).body.items.filter((j) =>
      ids.includes(j.agent),
    );
    const succeeded = jobs.filter((j) => j.state === 'succeeded');
    expect(
      succeeded.length,
      JSON.stringify(jobs.map((j) => [j.agent, j.state, j.config, j.error])),
    ).toBeGreaterThanOrEqual(1);
    for (const j of succeeded) {
      const result = await hub.call('GET', `/v1/results/${j.result}`);
      expect(result.status).toBe(200);
      expect(result.body.frontmatter.agent).toBe(j.agent);
    }

    // Each step is in the trace: the prompt, the tool call and its answer, timings and tokens.
    const trace = await hub.call<{ steps: TraceStep[] }>('GET', '/v1/swarm/agents/local-1/trace?limit=100', {
      token: hub.organizerToken,
    });
    const steps = trace.body.steps.filter((s) => s.kind === 'step');
    expect(steps).toHaveLength(3);
    expect(steps[0]!.prompt![0]!.role).toBe('system');
    expect(steps[0]!.tool_calls![0]!.name).toBe('post');
    expect(steps[0]!.tool_calls![0]!.ok).toBe(true);
    expect(steps[0]!.tokens!.prompt).toBeGreaterThan(0);
    expect(steps[0]!.timings!.think_ms).toBeGreaterThanOrEqual(0);

    // Exported in the public collab's trace layout, into the agent's own scratch folder.
    const exported = await hub.call('POST', '/v1/swarm/agents/local-1/trace/export', { token: hub.organizerToken });
    expect(exported.status).toBe(201);
    const manifest = await hub.call('GET', `/v1/scratch/local-1/${exported.body.path}manifest.md`);
    const fm = parse(manifest.text.split('---')[1]!) as Record<string, any>;
    expect(fm).toMatchObject({ schema_version: 1, harness: 'collab-desk-local', native_log_file: 'session.jsonl' });
    expect(fm.usage.total_tokens).toBe(steps.reduce((n, s) => n + s.tokens!.prompt + s.tokens!.completion, 0));
    expect(fm.activity.tool_calls).toBeGreaterThanOrEqual(3);

    // Status changes went out on the event stream.
    const statusEvents = events.received
      .filter((e) => e.type === 'agent.status')
      .map((e) => eventData<{ agent: SwarmAgentStatus }>(e).agent);
    expect(statusEvents.some((a) => a.agent_id === 'local-2' && a.action === 'thinking')).toBe(true);
    // An agent that asked to think while a job held the GPU (the inference host paused) said it waited for it, and
    // since when; the host's pause and the cards tell one story.
    const waiting = statusEvents.filter((a) =>
      /^waiting for (the GPU|job job-\S+ \((running|queued)\))$/.test(a.action ?? ''),
    );
    expect(waiting.length, JSON.stringify([...new Set(statusEvents.map((a) => a.action))])).toBeGreaterThan(0);
    for (const a of waiting) expect(Date.parse(a.since!)).not.toBeNaN();
    // The test model is a generated one: its posts are marked as the demo model's text, its jobs named by config.
    for (const id of ids) {
      const posts = (await hub.call('GET', `/v1/messages?agent=${id}&limit=50&expand=true`)).body.items as Array<{
        body: string;
      }>;
      for (const p of posts) expect(p.body.startsWith(DEMO_TEXT_MARK), p.body).toBe(true);
      expect(done.agents.find((a) => a.agent_id === id)!.last_message).toMatch(/^\[demo model text\] /);
    }
    for (const j of jobs) expect(j.method).toMatch(/^(plain |draft model |MTP drafter |ngram[\w-]* lookup)/);
    // While a job held the GPU, inference was paused, and resumed after.
    const inference = events.received
      .filter((e) => e.type === 'swarm.inference')
      .map((e) => eventData<{ paused_for_job: string | null }>(e).paused_for_job);
    expect(inference.some((j) => j !== null)).toBe(true);
    expect(inference[inference.length - 1]).toBeNull();
  }, 600_000);

  it('a killed agent restarts with backoff; pause holds it, resume goes on, stop ends it', async () => {
    const [agent] = (
      await hub.call<{ agents: SwarmAgentStatus[] }>('POST', '/v1/swarm/agents', {
        token: hub.organizerToken,
        body: { count: 1, name: 'crashy', jobs_per_day: 0 },
      })
    ).body.agents;
    const id = agent!.agent_id;
    const status = () => supervisor.status().agents.find((a) => a.agent_id === id)!;
    await until('a first step', () => status().steps >= 1);
    const firstPid = status().pid!;
    process.kill(firstPid, 'SIGKILL');
    await until(
      'the restart',
      () => status().restarts === 1 && status().state === 'running' && status().pid !== firstPid,
    );
    const stepsBefore = status().steps;
    await until('a step after the restart', () => status().steps > stepsBefore);

    expect((await hub.call('POST', `/v1/swarm/agents/${id}/pause`, { token: hub.organizerToken })).status).toBe(200);
    expect(status().state).toBe('paused');
    // The step in flight finishes; then nothing more happens.
    await until('the step in flight to end', () => status().action === null, 30_000);
    const held = status().steps;
    await new Promise((r) => setTimeout(r, 2500));
    expect(status().steps).toBe(held);

    await hub.call('POST', `/v1/swarm/agents/${id}/resume`, { token: hub.organizerToken });
    await until('a step after resume', () => status().steps > held);

    // A live agent is not removed: it is stopped first.
    const early = await hub.call('POST', `/v1/swarm/agents/${id}/remove`, { token: hub.organizerToken });
    expect(early.status).toBe(409);
    expect(early.body.error.hint).toMatch(/stop it first/);

    const pid = status().pid!;
    const stopped = await hub.call<SwarmStatus>('POST', `/v1/swarm/agents/${id}/stop`, { token: hub.organizerToken });
    expect(stopped.body.agents.find((a) => a.agent_id === id)!.state).toBe('stopped');
    expect(alive(pid)).toBe(false);
    // Its jobs-per-day budget of 0 turned every submit into an answer, never a job.
    expect((await hub.call<{ items: JobInfo[] }>('GET', `/v1/jobs?agent=${id}`)).body.items).toHaveLength(0);

    // Stopped, it can be removed: off the swarm (and every dashboard, by an event), its id and posts kept on the hub.
    const removed = await hub.call<SwarmStatus>('POST', `/v1/swarm/agents/${id}/remove`, { token: hub.organizerToken });
    expect(removed.status).toBe(200);
    expect(removed.body.agents.map((a) => a.agent_id)).not.toContain(id);
    expect(supervisor.status().agents.map((a) => a.agent_id)).not.toContain(id);
    await until('the agent.removed event', () =>
      events.received.some((e) => e.type === 'agent.removed' && JSON.parse(e.data).agent_id === id),
    );
    expect((await hub.call('GET', `/v1/agents/${id}`)).status).toBe(200);
    expect((await hub.call('POST', `/v1/swarm/agents/${id}/stop`, { token: hub.organizerToken })).status).toBe(404);
  }, 120_000);

  it('an agent whose token budget is spent stops as exhausted and is not restarted', async () => {
    const [agent] = (
      await hub.call<{ agents: SwarmAgentStatus[] }>('POST', '/v1/swarm/agents', {
        token: hub.organizerToken,
        body: { name: 'frugal', budget_tokens: 1, jobs_per_day: 0 },
      })
    ).body.agents;
    const final = await until('the budget to run out', () => {
      const a = supervisor.status().agents.find((x) => x.agent_id === agent!.agent_id)!;
      return a.state === 'exhausted' && a;
    });
    expect(final.steps).toBe(1);
    expect(final.tokens_used).toBeGreaterThan(1);
    expect(final.error).toMatch(/token budget of 1 used/);
    expect(final.restarts).toBe(0);
  }, 120_000);

  it('an external agent joins through the README, the OpenAI-compatible endpoint and its own token', async () => {
    const res = await hub.call<{ agents: SwarmAgentStatus[] }>('POST', '/v1/swarm/agents', {
      token: hub.organizerToken,
      body: { kind: 'external', command: `node ${EXTERNAL} {prompt_file}`, sandbox: { read: [dirname(EXTERNAL)] } },
    });
    expect(res.status).toBe(201);
    const id = res.body.agents[0]!.agent_id;
    expect(id).toBe('external-1');
    const final = await until('the external agent to finish', () => {
      const a = supervisor.status().agents.find((x) => x.agent_id === id)!;
      return (a.state === 'stopped' || a.state === 'failed' || a.state === 'backoff') && a;
    });
    expect(final.state).toBe('stopped');
    expect(final.last_message).toBe(`posted as ${id}`);
    const posts = (await hub.call('GET', `/v1/messages?agent=${id}&expand=true`)).body.items;
    expect(posts[0].body).toMatch(/the model answered \d+ tokens/);

    // Its output is its trace; its environment had the hub, its token and the endpoint, and nothing else of ours.
    const trace = (
      await hub.call<{ steps: TraceStep[] }>('GET', `/v1/swarm/agents/${id}/trace`, { token: hub.organizerToken })
    ).body.steps;
    const report = JSON.parse(trace.find((s) => s.kind === 'output' && s.text?.startsWith('{'))!.text!) as {
      env: string[];
      cwd: string;
      prompt_mentions_readme: boolean;
    };
    expect(report.env).toEqual(
      expect.arrayContaining(['COLLAB_DESK_HUB', 'COLLAB_DESK_TOKEN', 'OPENAI_BASE_URL', 'OPENAI_API_KEY']),
    );
    expect(report.env).not.toContain('HF_TOKEN');
    expect(report.cwd).toBe(join(hub.dataDir, 'scratch', id));
    expect(report.prompt_mentions_readme).toBe(true);
    expect(trace.some((s) => s.text === 'token check: [redacted]')).toBe(true);
  }, 120_000);

  it('a command the shell cannot find fails the agent at once, with no restart loop', async () => {
    // The program (sh) exists; what it runs does not: the shell's exit 127 is final.
    const res = await hub.call<{ agents: SwarmAgentStatus[] }>('POST', '/v1/swarm/agents', {
      token: hub.organizerToken,
      body: { kind: 'external', name: 'typo', command: "sh -c 'no-such-agent-cli {prompt_file}'" },
    });
    expect(res.status).toBe(201);
    const id = res.body.agents[0]!.agent_id;
    const final = await until('the agent to settle', () => {
      const a = supervisor.status().agents.find((x) => x.agent_id === id)!;
      return (a.state === 'failed' || a.state === 'backoff' || a.state === 'stopped') && a;
    });
    expect(final.state).toBe('failed');
    expect(final.restarts).toBe(0);
    expect(final.action).toBeNull();
    expect(final.error).toMatch(/the command was not found \(exit code 127/);
    expect(final.error).toMatch(/no-such-agent-cli/);
  }, 60_000);

  it('refuses bad requests with what to fix, and keeps control to the organizer', async () => {
    const token = await hub.register('bystander');
    expect((await hub.call('POST', '/v1/swarm/agents', { token, body: { count: 1 } })).status).toBe(403);
    const noCommand = await hub.call('POST', '/v1/swarm/agents', {
      token: hub.organizerToken,
      body: { kind: 'external' },
    });
    expect(noCommand.status).toBe(400);
    expect(noCommand.body.error.hint).toMatch(/prompt_file/);
    // A program that is not on this machine is refused before anything registers or restarts.
    const before = supervisor.status().agents.length;
    const noProgram = await hub.call('POST', '/v1/swarm/agents', {
      token: hub.organizerToken,
      body: { kind: 'external', command: 'no-such-agent-cli --prompt-file {prompt_file}' },
    });
    expect(noProgram.status).toBe(400);
    expect(noProgram.body.error.message).toMatch(/"no-such-agent-cli" is not on this machine/);
    expect(supervisor.status().agents).toHaveLength(before);
    const noModel = await hub.call('POST', '/v1/swarm/agents', {
      token: hub.organizerToken,
      body: { model: join(dir, 'missing.gguf') },
    });
    expect(noModel.status).toBe(400);
    expect(noModel.body.error.message).toMatch(/does not exist/);
    expect((await hub.call('POST', '/v1/swarm/agents', { token: hub.organizerToken, body: { count: 0 } })).status).toBe(
      400,
    );
    expect(
      (await hub.call('POST', '/v1/swarm/agents/nobody/pause', { token: hub.organizerToken })).body.error.code,
    ).toBe('NOT_FOUND');
    expect((await hub.call('POST', '/v1/swarm/dance', { token: hub.organizerToken })).status).toBe(400);
    expect((await hub.call('GET', '/v1/swarm/agents/local-1/trace')).status).toBe(401);
  });

  it("no secret reaches any agent's environment or trace", async () => {
    expect(seenEnvirons.length).toBeGreaterThan(0);
    for (const env of seenEnvirons) {
      expect(env).not.toContain(HF_SECRET);
      expect(env).not.toContain(hub.organizerToken);
    }
    const traces = join(hub.dataDir, 'swarm', 'traces');
    for (const id of ['local-1', 'local-2', 'local-3', 'crashy-1', 'external-1']) {
      const file = join(traces, `${id}.jsonl`);
      expect(existsSync(file)).toBe(true);
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(HF_SECRET);
      expect(text).not.toContain(hub.organizerToken);
    }
  });
});
