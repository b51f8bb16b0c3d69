// Agents thinking on an OpenAI-compatible server the person runs: the capability probe against a stand-in, and an endpoint agent on a real hub.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeCapability } from '../../src/agents/capability-probe';
import { superviseBeside, type Supervisor } from '../../src/agents/supervisor';
import type { SwarmAgentStatus, SwarmStatus, TraceStep } from '../../src/shared/swarm';
import { DEFAULT_FAMILY, writeLlamaModel } from '../../src/bench/gguf/tiny-llama';
import { assertCliBuilt, killAllChildren, runCli, startHubProcess } from '../helpers/hub-process';
import { startOpenAiStandin, type OpenAiStandin } from '../helpers/openai-standin';
import { eventData, SseClient } from '../helpers/sse-client';
import { withHub } from '../helpers/with-hub';

const KEY = 'sk-standin-7f3a9c1e5b2d4680aa11';
const MODELS = {
  'capable-model': 'capable',
  'text-model': 'text-only',
  'broken-model': 'broken-json',
  'slow-model': 'slow',
} as const;

/** Every file under a folder, as bytes (the SQLite file and its WAL included). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

function environOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return '';
  }
}

describe('the capability probe', () => {
  let standin: OpenAiStandin;
  const probe = (model: string, extra: { key?: string; timeoutMs?: number; url?: string } = {}) =>
    probeCapability({
      url: extra.url ?? standin.url,
      key: extra.key ?? KEY,
      model,
      agent: 'probe',
      listModels: true,
      timeoutMs: extra.timeoutMs ?? 20_000,
    });

  beforeAll(async () => {
    standin = await startOpenAiStandin({ models: { ...MODELS }, key: KEY });
  });
  afterAll(() => standin?.close());

  it('passes on a capable endpoint: the model is listed, its tool call parses and fits, it goes on after the result', async () => {
    const report = await probe('capable-model');
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ['model listed', true],
      ['tool call', true],
      ['after a tool result', true],
    ]);
    expect(report).toMatchObject({ passed: true, skipped: false, summary: 'probe passed 3/3' });
    expect(report.checks[1]!.detail).toBe('it called read_result with arguments that fit its schema');
    // The exercise is what the loop sends: the tool offered, a call required, then the tool's result and "auto".
    const chats = standin.requests.filter((r) => r.path === '/v1/chat/completions').slice(-2);
    expect(chats.map((r) => (r.body as { tool_choice: unknown }).tool_choice)).toEqual(['required', 'auto']);
    expect((chats[1]!.body as { messages: Array<{ role: string }> }).messages.at(-1)!.role).toBe('tool');
  });

  it('takes a model named as Ollama users name it (qwen3 for the listed qwen3:latest)', async () => {
    const ollama = await startOpenAiStandin({ models: { 'qwen3:latest': 'capable' }, ollamaTags: true });
    try {
      const report = await probe('qwen3', { url: ollama.url });
      expect(report.passed, JSON.stringify(report.checks)).toBe(true);
      expect(report.checks[0]).toMatchObject({ name: 'model listed', ok: true });
    } finally {
      await ollama.close();
    }
  });

  it('fails clearly on a model that answers text instead of a tool call', async () => {
    const report = await probe('text-model');
    expect(report.passed).toBe(false);
    expect(report.summary).toBe('probe failed 1/3');
    expect(report.checks[1]).toEqual({
      name: 'tool call',
      ok: false,
      detail:
        'the endpoint answered text instead of a tool call ("I would look that up in the results file."): this model or server does not support tools; in Ollama pick a model with tool support (ollama.com/search?c=tools), in LM Studio a model marked for tool use, in llama-server start it with --jinja',
    });
    expect(report.checks[2]).toEqual({
      name: 'after a tool result',
      ok: false,
      detail: 'not tried: an earlier check failed',
    });
  });

  it('fails clearly on a tool call whose arguments are not JSON', async () => {
    const report = await probe('broken-model');
    expect(report.passed).toBe(false);
    expect(report.checks[1]!.ok).toBe(false);
    expect(report.checks[1]!.detail).toBe(
      `the tool call's arguments are not JSON ("{filename: 'baseline-1.md', figure: tps"): the server's tool-call parser or the model's chat template is broken; in llama-server start it with --jinja, elsewhere update the server or pick another build of the model`,
    );
  });

  it('names the models the endpoint has when the model asked for is not one of them', async () => {
    const report = await probe('qwen3:8b');
    expect(report.summary).toBe('probe failed 0/3');
    expect(report.checks[0]!.detail).toBe(
      'the endpoint has no model named "qwen3:8b"; it has: capable-model, text-model, broken-model, slow-model (pass one of them as the model name)',
    );
  });

  it('gives up on an endpoint that does not answer, and says how long it waited', async () => {
    const report = await probe('slow-model', { timeoutMs: 1500 });
    expect(report.passed).toBe(false);
    expect(report.checks[0]!.ok).toBe(true);
    expect(report.checks[1]!.detail).toBe('the endpoint did not answer in 1.5 s');
  });

  it('says when the key is wrong, and when nothing answers at the address', async () => {
    const wrongKey = await probe('capable-model', { key: 'sk-not-the-key-000000' });
    expect(wrongKey.checks[0]!.detail).toBe(
      'the endpoint refused the key (HTTP 401: Incorrect API key provided.): pass the right one (--api-key-env VAR, or the key field)',
    );
    const noKey = await probe('capable-model', { key: '' });
    expect(noKey.checks[0]!.detail).toMatch(/^the endpoint wants an API key \(HTTP 401/);
    // A port nothing listens on: the stand-in's own, once it is closed.
    const closed = await startOpenAiStandin({ models: {} });
    await closed.close();
    const nothing = await probe('capable-model', { url: closed.url });
    expect(nothing.checks[0]!.detail).toBe(
      `nothing answers at ${closed.url} (connection refused): start the server (ollama serve, LM Studio's server, llama-server) or check the address and port`,
    );
  });
});

describe('agents on an external endpoint, end to end on a real hub', () => {
  const hub = withHub();
  let standin: OpenAiStandin;
  let supervisor: Supervisor;
  let events: SseClient;
  const environs: string[] = [];
  let envWatch: NodeJS.Timeout;

  beforeAll(async () => {
    assertCliBuilt();
    standin = await startOpenAiStandin({ models: { ...MODELS }, key: KEY });
    // No agent model at all: an endpoint agent needs no inference host.
    supervisor = superviseBeside(hub.running, {
      agentModel: null,
      stepDelayMs: 0,
      restart: { baseMs: 200 },
      probeTimeoutMs: 1500,
    });
    events = await SseClient.connect(`${hub.url}/v1/events`);
    envWatch = setInterval(() => {
      for (const a of supervisor.status().agents) if (a.pid) environs.push(environOf(a.pid));
    }, 50);
  }, 60_000);

  afterAll(async () => {
    clearInterval(envWatch);
    await events?.close();
    await supervisor?.close();
    await standin?.close();
  });

  const spawn = (body: Record<string, unknown>) =>
    hub.call('POST', '/v1/swarm/agents', { token: hub.organizerToken, body });

  it('an agent thinking on the endpoint takes its steps, and its posts land on the board', async () => {
    const spawned = await spawn({
      endpoint: standin.url.replace(/\/v1$/, ''),
      model: 'capable-model',
      api_key: KEY,
      name: 'remote',
      max_steps: 3,
    });
    expect(spawned.status, spawned.text).toBe(201);
    const [agent] = spawned.body.agents;
    expect(agent).toMatchObject({
      agent_id: 'remote-1',
      kind: 'local',
      model: 'capable-model',
      endpoint: standin.url,
      probe: { passed: true, summary: 'probe passed 3/3' },
    });

    const stopped = await events.waitFor(
      (e) => {
        if (e.type !== 'agent.status') return false;
        const a = eventData<{ agent: SwarmAgentStatus }>(e).agent;
        return a.agent_id === 'remote-1' && a.state === 'stopped';
      },
      'remote-1 to stop after its 3 steps',
      120_000,
    );
    const final = eventData<{ agent: SwarmAgentStatus }>(stopped).agent;
    const trace = (
      await hub.call<{ steps: TraceStep[] }>('GET', '/v1/swarm/agents/remote-1/trace', { token: hub.organizerToken })
    ).body.steps;
    const story = JSON.stringify(
      trace.map((s) => s.tool_calls?.map((c) => [c.name, c.ok, c.result.slice(0, 120)]) ?? s.text),
    );
    expect(final.steps, story).toBe(3);
    expect(final.error, story).toBeNull();
    // Its opening move, a post, is on the hub's board under its name.
    const posts = (await hub.call('GET', '/v1/messages?agent=remote-1&limit=10&expand=true')).body;
    expect(posts.matched, story).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(posts.items), story).toContain("stand-in model's body");
    // Every step asked the endpoint, as the model named, with the key as a bearer token.
    const agentChats = standin.requests.filter(
      (r) => r.path === '/v1/chat/completions' && r.headers['x-collab-agent'] === 'remote-1',
    );
    expect(agentChats.length).toBe(3);
    for (const r of agentChats) {
      expect((r.body as { model: string }).model).toBe('capable-model');
      expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
    }
    // No inference host was started for it.
    expect((await hub.call<SwarmStatus>('GET', '/v1/swarm')).body.inference).toBeNull();
  }, 180_000);

  it('an endpoint on this machine shares the GPU: its agent waits while a benchmark holds it, then goes on', async () => {
    const lease = hub.running.hub.lease;
    await lease.acquire('job-measuring', Date.now());
    try {
      const spawned = await spawn({
        endpoint: standin.url,
        model: 'capable-model',
        api_key: KEY,
        name: 'sharer',
        max_steps: 1,
      });
      expect(spawned.status, spawned.text).toBe(201);
      await events.waitFor(
        (e) => {
          if (e.type !== 'agent.status') return false;
          const a = eventData<{ agent: SwarmAgentStatus }>(e).agent;
          return a.agent_id === 'sharer-1' && a.action === 'waiting for the GPU';
        },
        'sharer-1 to wait for the GPU',
        60_000,
      );
      // Thinking waits before its completion is asked: nothing reached the server while the job measures.
      const asked = () =>
        standin.requests.filter((r) => r.path === '/v1/chat/completions' && r.headers['x-collab-agent'] === 'sharer-1');
      expect(asked()).toEqual([]);
    } finally {
      lease.release('job-measuring');
    }
    await events.waitFor(
      (e) => {
        if (e.type !== 'agent.status') return false;
        const a = eventData<{ agent: SwarmAgentStatus }>(e).agent;
        return a.agent_id === 'sharer-1' && a.state === 'stopped';
      },
      'sharer-1 to take its step once the GPU is free',
      120_000,
    );
    expect(
      standin.requests.filter((r) => r.path === '/v1/chat/completions' && r.headers['x-collab-agent'] === 'sharer-1'),
    ).toHaveLength(1);
  }, 180_000);

  it("a benchmark taking the GPU waits for an endpoint agent's completion in flight, which is asked again after", async () => {
    const lease = hub.running.hub.lease;
    const asked = () =>
      standin.requests.filter((r) => r.path === '/v1/chat/completions' && r.headers['x-collab-agent'] === 'inflight-1');
    // The agent's completions stay open on the server until answered: one in flight, as a model still generating.
    standin.holdWhen((r) => r.headers['x-collab-agent'] === 'inflight-1');
    try {
      const spawned = await spawn({
        endpoint: standin.url,
        model: 'capable-model',
        api_key: KEY,
        name: 'inflight',
        max_steps: 1,
      });
      expect(spawned.status, spawned.text).toBe(201);
      const pid = spawned.body.agents[0].pid as number;
      const first = await standin.nextHeld();

      const drain = await lease.acquire('job-measuring-2', Date.now());
      try {
        // The lease waited for the agent (nothing else on this machine runs inference) and did not give up on it.
        expect(drain).toMatchObject({ waited: 1, timed_out: false });
        // It was taken only once the completion had stopped: the agent interrupted it (it ran past its grace) and
        // told the supervisor, which wrote that down before it let the benchmark go.
        const trace = (
          await hub.call<{ steps: TraceStep[] }>('GET', '/v1/swarm/agents/inflight-1/trace', {
            token: hub.organizerToken,
          })
        ).body.steps;
        expect(trace.map((s) => s.text)).toContain(
          'a completion interrupted for job job-measuring-2: it ran past its grace when the GPU was taken; asked again once it is free',
        );
        // The server saw it go: the request's connection was closed by the agent, unanswered.
        await first.closedByClient;
        // Nothing is asked while the job measures; the agent's card says it waits for the GPU, not that it failed.
        expect(asked()).toHaveLength(1);
        const card = supervisor.status().agents.find((a) => a.agent_id === 'inflight-1')!;
        expect(card).toMatchObject({ state: 'running', action: 'waiting for the GPU', error: null, pid });
      } finally {
        lease.release('job-measuring-2');
      }
      // The GPU given back: the same completion is asked again, and answered this time.
      const again = await standin.nextHeld();
      expect(again.request.text).toBe(first.request.text);
      again.answer();
    } finally {
      standin.holdWhen(null);
    }
    const stopped = await events.waitFor(
      (e) => {
        if (e.type !== 'agent.status') return false;
        const a = eventData<{ agent: SwarmAgentStatus }>(e).agent;
        return a.agent_id === 'inflight-1' && a.state === 'stopped';
      },
      'inflight-1 to take its step once the GPU is free',
      120_000,
    );
    // Its one step is taken, not failed: the interruption never reached the agent.
    const final = eventData<{ agent: SwarmAgentStatus }>(stopped).agent;
    expect(final).toMatchObject({ steps: 1, error: null, restarts: 0 });
    expect(asked()).toHaveLength(2);
    const trace = (
      await hub.call<{ steps: TraceStep[] }>('GET', '/v1/swarm/agents/inflight-1/trace', { token: hub.organizerToken })
    ).body.steps;
    expect(trace.filter((s) => s.text?.startsWith('step failed'))).toEqual([]);
  }, 180_000);

  it('refuses a spawn whose probe fails, with the checks in words; --skip-probe forces it', async () => {
    const refused = await spawn({ endpoint: standin.url, model: 'text-model', api_key: KEY, max_steps: 1 });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('PROBE_FAILED');
    expect(refused.body.error.message).toBe(
      [
        `the capability probe failed on ${standin.url} · text-model (probe failed 1/3):`,
        '✓ model listed: text-model is on the endpoint',
        '✗ tool call: the endpoint answered text instead of a tool call ("I would look that up in the results file."): this model or server does not support tools; in Ollama pick a model with tool support (ollama.com/search?c=tools), in LM Studio a model marked for tool use, in llama-server start it with --jinja',
        '✗ after a tool result: not tried: an earlier check failed',
      ].join('\n'),
    );
    expect(refused.body.error.hint).toMatch(/--skip-probe/);
    expect(supervisor.status().agents.map((a) => a.agent_id)).not.toContain('local-1');

    const slow = await spawn({ endpoint: standin.url, model: 'slow-model', api_key: KEY });
    expect(slow.status).toBe(422);
    expect(slow.body.error.message).toContain('✗ tool call: the endpoint did not answer in 1.5 s');

    const forced = await spawn({
      endpoint: standin.url,
      model: 'text-model',
      api_key: KEY,
      name: 'forced',
      max_steps: 1,
      skip_probe: true,
    });
    expect(forced.status, forced.text).toBe(201);
    expect(forced.body.agents[0]!.probe).toMatchObject({ skipped: true, summary: 'probe skipped' });
    await events.waitFor(
      (e) =>
        e.type === 'agent.status' &&
        eventData<{ agent: SwarmAgentStatus }>(e).agent.agent_id === 'forced-1' &&
        eventData<{ agent: SwarmAgentStatus }>(e).agent.state === 'stopped',
      'forced-1 to stop',
      60_000,
    );
  }, 120_000);

  it('refuses a bad endpoint, a missing model name and a key without an endpoint in words', async () => {
    const ftp = await spawn({ endpoint: 'ftp://127.0.0.1/v1', model: 'x' });
    expect(ftp.status).toBe(400);
    expect(ftp.body.error.message).toMatch(
      /^the endpoint must be an http or https URL, not ftp \(got "ftp:\/\/127\.0\.0\.1\/v1"\)/,
    );
    const inUrl = await spawn({ endpoint: `http://user:${KEY}@127.0.0.1:1/v1`, model: 'x' });
    expect(inUrl.status).toBe(400);
    expect(inUrl.text).not.toContain(KEY);
    const noModel = await spawn({ endpoint: standin.url });
    expect(noModel.status).toBe(400);
    expect(noModel.body.error.message).toBe(`an agent on ${standin.url} needs the model's name on that server`);
    // A saved default model is a GGUF path on this machine: never taken for a model's name on the server.
    const saved = await hub.call('PUT', '/v1/settings/agent-defaults', {
      token: hub.organizerToken,
      body: { model: '/models/qwen3-4b-q4_k_m.gguf' },
    });
    expect(saved.status, saved.text).toBe(200);
    const defaulted = await spawn({ endpoint: standin.url });
    expect(defaulted.status).toBe(400);
    expect(defaulted.body.error.message).toBe(`an agent on ${standin.url} needs the model's name on that server`);
    await hub.call('PUT', '/v1/settings/agent-defaults', { token: hub.organizerToken, body: {} });
    const keyAlone = await spawn({ api_key: KEY });
    expect(keyAlone.status).toBe(400);
    expect(keyAlone.body.error.message).toBe('api_key is for an endpoint');
  });

  it("offers the endpoint's model names for the spawn form, and says why when it cannot", async () => {
    const listed = await hub.call('POST', '/v1/swarm/endpoint-models', {
      token: hub.organizerToken,
      body: { endpoint: standin.url.replace(/\/v1$/, ''), api_key: KEY },
    });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body).toEqual({ endpoint: standin.url, models: Object.keys(MODELS), problem: null });
    const noKey = await hub.call('POST', '/v1/swarm/endpoint-models', {
      token: hub.organizerToken,
      body: { endpoint: standin.url },
    });
    expect(noKey.body).toMatchObject({
      models: null,
      problem: expect.stringMatching(/^the endpoint wants an API key/),
    });
    // The organizer's alone: it makes the hub call a URL the caller names.
    const anonymous = await hub.call('POST', '/v1/swarm/endpoint-models', { body: { endpoint: standin.url } });
    expect(anonymous.status).toBe(401);
  });

  it('the key is sent only as a bearer token: never in a status, an event, a trace, an agent environment or the data folder', async () => {
    // The stand-in saw it in the Authorization header and nowhere else.
    for (const r of standin.requests) {
      expect(r.text).not.toContain(KEY);
      expect(r.path).not.toContain(KEY);
      for (const [name, value] of Object.entries(r.headers))
        if (name !== 'authorization') expect(String(value)).not.toContain(KEY);
    }
    expect(JSON.stringify((await hub.call('GET', '/v1/swarm', { token: hub.organizerToken })).body)).not.toContain(KEY);
    expect(JSON.stringify(events.received)).not.toContain(KEY);
    expect(environs.length).toBeGreaterThan(0);
    for (const env of environs) expect(env).not.toContain(KEY);
    // Traces, the registry of ids, the SQLite file and its WAL: every byte of the data folder.
    const files = filesUnder(hub.dataDir);
    expect(files.some((f) => f.includes(join('swarm', 'traces')))).toBe(true);
    for (const file of files) expect(readFileSync(file).includes(KEY), file).toBe(false);
  });
});

describe('`collab-desk agents start --endpoint`', () => {
  let dir: string;
  let standin: OpenAiStandin;

  beforeAll(async () => {
    assertCliBuilt();
    dir = mkdtempSync(join(tmpdir(), 'collab-desk-endpoint-cli-'));
    standin = await startOpenAiStandin({ models: { ...MODELS }, key: KEY });
  });

  afterAll(async () => {
    await killAllChildren();
    await standin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts an agent on the endpoint with the key from an environment variable; refusals are one line of words', async () => {
    const data = join(dir, 'hub');
    // --log: the hub's request log goes to its stderr, which must never show the key.
    const hub = await startHubProcess(data, ['--log']);
    const env = { ...process.env, STANDIN_KEY: KEY };
    const cli = (args: string[], timeoutMs = 60_000) =>
      runCli(['agents', ...args, '--hub', hub.url, '--data', data], timeoutMs, env);

    const started = await cli([
      'start',
      '--endpoint',
      standin.url.replace(/^http:\/\//, '').replace(/\/v1$/, ''),
      '--model',
      'capable-model',
      '--api-key-env',
      'STANDIN_KEY',
      '--name',
      'ollama',
      '--max-steps',
      '2',
    ]);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(
      new RegExp(
        `^started ollama-1 \\(local, explorer, direction \\S+, thinks on ${standin.url.replace(/[.]/g, '\\.')} · capable-model, probe passed 3/3\\)$`,
        'm',
      ),
    );
    const listed = await cli(['list']);
    expect(listed.stdout).toContain(`ollama-1 thinks on ${standin.url} · capable-model (probe passed 3/3)`);

    // A model that cannot call tools: the probe's report, each check on its line, and how to force it.
    const refused = await cli([
      'start',
      '--endpoint',
      standin.url,
      '--model',
      'text-model',
      '--api-key-env',
      'STANDIN_KEY',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `collab-desk agents: the capability probe failed on ${standin.url} · text-model (probe failed 1/3):\n✓ model listed: text-model is on the endpoint\n✗ tool call: the endpoint answered text instead of a tool call`,
    );
    expect(refused.stderr).toContain('--skip-probe');
    expect(refused.stderr).not.toMatch(/\n\s+at /);

    const noModel = await cli(['start', '--endpoint', standin.url]);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr.trim()).toBe(
      `collab-desk agents: --endpoint needs --model NAME: the model's name on that server (e.g. qwen3:8b; GET ${standin.url}/models lists them)`,
    );
    const badUrl = await cli(['start', '--endpoint', 'ftp://example.org', '--model', 'x']);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr.trim()).toMatch(
      /^collab-desk agents: --endpoint: the endpoint must be an http or https URL, not ftp \(got "ftp:\/\/example\.org"\); e\.g\. http:\/\/127\.0\.0\.1:11434\/v1 \(Ollama\)/,
    );
    const unsetKey = await cli([
      'start',
      '--endpoint',
      standin.url,
      '--model',
      'capable-model',
      '--api-key-env',
      'NO_SUCH_VAR_H19',
    ]);
    expect(unsetKey.code).toBe(1);
    expect(unsetKey.stderr.trim()).toBe(
      'collab-desk agents: --api-key-env NO_SUCH_VAR_H19: that environment variable is not set or empty (export NO_SUCH_VAR_H19=<the key> first)',
    );
    // Nothing listens on a closed stand-in's port.
    const closed = await startOpenAiStandin({ models: {} });
    await closed.close();
    const unreachable = await cli(['start', '--endpoint', closed.url, '--model', 'capable-model']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`✗ model listed: nothing answers at ${closed.url} (connection refused)`);

    await cli(['stop']);
    hub.child.kill('SIGTERM');
    await hub.exited;
    expect(hub.stderr()).toContain('POST'); // the log was on
    expect(hub.stderr()).not.toContain(KEY);
    for (const file of filesUnder(data)) expect(readFileSync(file).includes(KEY), file).toBe(false);
  }, 240_000);
});

describe("a local agent on this machine's inference host", () => {
  const hub = withHub();
  let supervisor: Supervisor;

  afterAll(() => supervisor?.close());

  it('is probed through the host before it joins; the probe runs once per host start', async () => {
    assertCliBuilt();
    const { path } = await writeLlamaModel(join(hub.dataDir, 'tiny.gguf'), {
      ...DEFAULT_FAMILY,
      dropLayers: 0,
      ctx: 8192,
      type: 'f32',
    });
    supervisor = superviseBeside(hub.running, { agentModel: path, stepDelayMs: 0, restart: { baseMs: 200 } });
    const first = await supervisor.spawn({ max_steps: 1 });
    // The tool-call checks only: the host serves the model it loaded, whatever name is asked for.
    expect(first[0]!.probe).toMatchObject({ passed: true, summary: 'probe passed 2/2' });
    expect(first[0]!.probe!.checks.map((c) => c.name)).toEqual(['tool call', 'after a tool result']);
    expect(first[0]!.endpoint).toBeNull();
    const second = await supervisor.spawn({ max_steps: 1 });
    expect(second[0]!.probe!.at).toBe(first[0]!.probe!.at);
  }, 180_000);
});
