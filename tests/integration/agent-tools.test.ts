// The agent's tools against a real hub: every tool end to end as a registered agent, helpful refusals that never
// throw, benchmark jobs on generated models, and a submit_job schema whose every grammar-valid config the hub accepts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GbnfJsonSchema } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentTools,
  fetchChallenge,
  runTool,
  submitJobConfigSchema,
  type AgentTool,
  type JsonSchema,
  type ToolContext,
} from '../../src/agents/tools/agent-tools';
import { LocalAgent } from '../../src/agents/local-agent';
import { mcpInputSchema, withDefaults } from '../../src/agents/mcp-server';
import type { ChatClient } from '../../src/agents/inference/chat-client';
import type { ChatCompletion, ChatCompletionRequest } from '../../src/agents/inference/openai-types';
import type { WorkerToSupervisor } from '../../src/agents/worker-protocol';
import { engineJobRunner } from '../../src/bench/job-runner';
import { DEMO_TEXT_MARK } from '../../src/shared/swarm';
import type { JobInfo } from '../../src/shared/challenge';
import { publicPack } from '../../src/hub/challenge';
import { checkJobConfig } from '../../src/hub/jobs/job-submission';
import { ChallengePack, type ChallengeInfo, type InstalledPack } from '../../src/shared/challenge';
import { HubClient } from '../../src/shared/hub-client';
import { HubClientError } from '../../src/shared/hub-error';
import { checkRunConfig } from '../../src/shared/run-config-check';
import { PROJECT_ROOT } from '../helpers/hub-process';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { installTestPack, writeTestPack } from '../helpers/test-pack';
import { Value } from 'typebox/value';

let dir: string;
let hub: TestHub;
let tokens: Record<string, string>;
let alice: ToolContext;
let bob: ToolContext;
let challenge: ChallengeInfo;
let tools: AgentTool[];

const ctx = (agentId: string): ToolContext => ({ hub: hub.client(tokens[agentId]!), agentId });

/** Runs a tool and expects it to succeed; its answer parsed back from the compact JSON. */
async function use(who: ToolContext, name: string, args: Record<string, unknown>): Promise<any> {
  const out = await runTool(tools, name, args, who);
  expect(out.ok, out.ok ? '' : out.error).toBe(true);
  return JSON.parse((out as { result: string }).result);
}

/**
 * A call as an MCP client makes it: left-out fields take their defaults, and submit_job's config needs only what
 * names the run (the grammar's schema, which local agents fill whole, offers every lever's setting).
 */
async function mcpUse(who: ToolContext, name: string, args: Record<string, unknown>): Promise<any> {
  const schema = mcpInputSchema(tools.find((t) => t.name === name)!.parameters);
  const out = await runTool(tools, name, withDefaults(schema, args), who, { parameters: schema as never });
  expect(out.ok, out.ok ? '' : out.error).toBe(true);
  return JSON.parse((out as { result: string }).result);
}

async function refusal(who: ToolContext, name: string, args: unknown): Promise<string> {
  const out = await runTool(tools, name, args, who);
  expect(out.ok).toBe(false);
  return (out as { error: string }).error;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'collab-desk-tools-'));
  const { file } = await writeTestPack(join(dir, 'pack'), { tokens: 8, repeats: 1, warmup: 0, probe_tokens: 1 });
  hub = await startTestHub(
    { jobs: { per_agent: 50, per_hub: 500, window_hours: 24, queued_per_agent: 20, verify: false } },
    join(dir, 'data'),
    { jobRunner: engineJobRunner() },
  );
  await installTestPack(file, hub.dataDir);
  tokens = {};
  for (const id of ['alice', 'bob', 'carol']) tokens[id] = await hub.register(id);
  alice = ctx('alice');
  bob = ctx('bob');
  challenge = (await fetchChallenge(alice.hub))!;
  tools = agentTools(challenge);
}, 120_000);
afterAll(async () => {
  await hub.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the hub client', () => {
  it("says who a token is, refuses an unknown token with the hub's error, and names an unreachable hub without the token", async () => {
    expect(await alice.hub.me()).toEqual({
      hf_user: null,
      handle: 'alice',
      is_member: true,
      is_organizer: false,
      status: 'active',
    });
    const secret = 'not-a-real-token-123456';
    const err = await hub
      .client(secret)
      .me()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubClientError);
    expect(err).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect((err as HubClientError).hint).toContain('register');
    expect(String((err as Error).message)).not.toContain(secret);

    const down = await new HubClient({ url: 'http://127.0.0.1:9', token: secret }).digest().catch((e: unknown) => e);
    expect(down).toMatchObject({ status: 0, code: 'HUB_UNREACHABLE' });
    expect((down as Error).message).toContain('http://127.0.0.1:9 could not be reached');
    expect(`${(down as Error).message} ${(down as HubClientError).hint}`).not.toContain(secret);
  });

  it('reads the digest, the challenge and the quota as the shared types describe them', async () => {
    const digest = await alice.hub.digest('alice');
    expect(digest.inbox).not.toBeNull();
    expect(challenge).toMatchObject({ id: 'tiny', baseline: { target: 'target' } });
    expect(await alice.hub.quota()).toMatchObject({ agent: 'alice', used: 0 });
  });
});

describe('every tool schema is grammar-safe', () => {
  /** What node-llama-cpp's JSON grammar needs to always finish: bounded strings and arrays, all properties, no integers. */
  function problems(s: JsonSchema, where: string): string[] {
    if ('const' in s || 'enum' in s) return [];
    if ('oneOf' in s) return s.oneOf.flatMap((b, i) => problems(b, `${where}.oneOf[${i}]`));
    switch (s.type) {
      case 'string':
        return typeof s.maxLength === 'number' ? [] : [`${where}: string without maxLength`];
      case 'array':
        return [
          ...(typeof s.maxItems === 'number' ? [] : [`${where}: array without maxItems`]),
          ...problems(s.items, `${where}[]`),
        ];
      case 'object': {
        const keys = Object.keys(s.properties);
        const out =
          [...keys].sort().join() === [...s.required].sort().join() ? [] : [`${where}: not every property is required`];
        if (s.additionalProperties !== false) out.push(`${where}: additionalProperties is not false`);
        return [...out, ...keys.flatMap((k) => problems(s.properties[k]!, `${where}.${k}`))];
      }
      case 'number':
      case 'boolean':
        return [];
      default:
        return [`${where}: type ${String((s as { type?: unknown }).type)} is not allowed`];
    }
  }

  it("bounds every string and array, requires every property, and fits node-llama-cpp's GbnfJsonSchema type", () => {
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'read_board',
        'read_inbox',
        'post',
        'list_workspace',
        'read_file',
        'write_file',
        'read_channels',
        'create_channel',
        'join_channel',
        'wait',
        'read_leaderboard',
        'read_results',
        'read_result',
        'publish_result',
        'submit_job',
        'check_job',
        'list_jobs',
      ]),
    );
    for (const t of tools) {
      const grammarSchema: GbnfJsonSchema = t.parameters;
      expect(grammarSchema).toBeDefined();
      expect(problems(t.parameters, t.name)).toEqual([]);
      expect(JSON.stringify(t.parameters)).not.toMatch(/"(integer|minimum|maximum|pattern)"/);
    }
  });

  it('offers the job tools only when a challenge is installed', () => {
    const names = agentTools(null).map((t) => t.name);
    expect(names).toContain('post');
    expect(names).toContain('publish_result');
    expect(names).not.toContain('submit_job');
    expect(names).not.toContain('check_job');
  });
});

describe('board, inbox and workspace tools', () => {
  it("post with a mention lands in the mentioned agent's inbox and on the board; a reply reaches the author", async () => {
    const posted = await use(alice, 'post', {
      body: 'Trying draft depth 4 next, @bob can you take n-gram?',
      channel: '',
      reply_to: '',
      refs: [],
    });
    expect(posted.mentions_delivered).toEqual(['bob']);
    const inbox = await use(bob, 'read_inbox', { limit: 5 });
    expect(inbox.messages[0]).toMatchObject({ filename: posted.filename, author: 'alice' });
    expect(inbox.messages[0].body).toContain('@bob');

    const reply = await use(bob, 'post', {
      body: 'On it.',
      channel: '',
      reply_to: posted.filename,
      refs: [posted.filename],
    });
    expect(reply.thread).toBe(posted.filename);
    const aliceInbox = await use(alice, 'read_inbox', { limit: 5 });
    expect(aliceInbox.messages.map((m: { filename: string }) => m.filename)).toContain(reply.filename);
    const board = await use(alice, 'read_board', { channel: '', limit: 10 });
    expect(board.messages.map((m: { filename: string }) => m.filename)).toEqual(
      expect.arrayContaining([posted.filename, reply.filename]),
    );
  });

  it('writes a scratch file and reads it back, as its author and as another agent; lists folders; a folder is not a file', async () => {
    const plan = '# Plan\n\ndraft depth sweep: 2, 4, 8\n';
    const written = await use(alice, 'write_file', { path: 'notes/plan.md', content: plan });
    expect(written).toMatchObject({ path: 'scratch/alice/notes/plan.md', bytes: plan.length });
    expect(await use(alice, 'read_file', { area: 'scratch', agent: '', path: 'notes/plan.md' })).toMatchObject({
      text: plan,
      bytes: plan.length,
    });
    expect((await use(bob, 'read_file', { area: 'scratch', agent: 'alice', path: 'notes/plan.md' })).text).toContain(
      'sweep',
    );
    const listing = await use(bob, 'list_workspace', { area: 'scratch', agent: 'alice', path: '' });
    expect(listing.files).toEqual([{ path: 'notes/plan.md', bytes: plan.length }]);
    expect(await refusal(alice, 'read_file', { area: 'scratch', agent: '', path: 'notes' })).toMatch(
      /^IS_A_FOLDER: .*notes is a folder/,
    );
    expect(await refusal(bob, 'read_file', { area: 'scratch', agent: 'alice', path: 'nope.md' })).toMatch(
      /^NOT_FOUND: /,
    );
    // A path never climbs out of the folder it names (URLs would resolve "..": the client refuses it first).
    expect(await refusal(bob, 'write_file', { path: '../alice/notes/plan.md', content: 'mine now' })).toMatch(
      /^INVALID_PATH: /,
    );
    expect(await use(alice, 'list_workspace', { area: 'central', agent: '', path: '' })).toHaveProperty('files');
    // Binary bytes through the client, not just text.
    await alice.hub.writeScratch('alice', 'blob.bin', new Uint8Array([0, 255, 1, 254]));
    expect(Array.from((await alice.hub.readScratch('alice', 'blob.bin')).bytes)).toEqual([0, 255, 1, 254]);
    expect(await use(alice, 'read_file', { area: 'scratch', agent: '', path: 'blob.bin' })).toMatchObject({
      bytes: 4,
      text: null,
    });
  });

  it('creates a channel and joins one: the note is in the channel, and its author subscribed', async () => {
    expect(
      await use(alice, 'create_channel', {
        name: 'draft-depth',
        theme: 'Find the best draft_n_max for each drafter.',
      }),
    ).toMatchObject({ name: 'draft-depth', created: true });
    const joined = await use(bob, 'join_channel', {
      name: 'draft-depth',
      note: 'Joining: I will sweep 2 to 8 with draft-q8.',
    });
    const channel = await use(bob, 'read_board', { channel: 'draft-depth', limit: 5 });
    expect(channel.messages[0]).toMatchObject({ filename: joined.filename, author: 'bob', channel: 'draft-depth' });
    const list = await use(bob, 'read_channels', { limit: 5 });
    expect(list.channels[0]).toMatchObject({ name: 'draft-depth', creator: 'alice', members: 2, messages: 1 });
    expect(await use(bob, 'wait', { reason: 'my job is queued' })).toEqual({
      waited: true,
      reason: 'my job is queued',
    });
  });

  it('publishes a result and a negative result; both are in /v1/results with the required frontmatter', async () => {
    const good = await use(alice, 'publish_result', {
      status: 'agent-run',
      tps: 123.5,
      ppl: 2.5,
      method: 'draft depth 4',
      description: 'a quick sweep',
      details: '',
      job_id: '',
    });
    const bad = await use(bob, 'publish_result', {
      status: 'negative',
      tps: 80,
      ppl: 2.6,
      method: 'ngram-mod on chat prompts',
      description: 'no repetition to exploit',
      details: 'Acceptance stayed under 5%.',
      job_id: '',
    });
    const list = await hub.call('GET', '/v1/results?expand=true');
    const byName = new Map(list.body.items.map((r: { filename: string }) => [r.filename, r]));
    expect(byName.get(good.filename)).toMatchObject({
      frontmatter: { agent: 'alice', tps: 123.5, ppl: 2.5, status: 'agent-run', method: 'draft depth 4' },
    });
    expect(byName.get(bad.filename)).toMatchObject({
      frontmatter: { agent: 'bob', status: 'negative', description: 'no repetition to exploit' },
      body: 'Acceptance stayed under 5%.\n',
    });
    const negatives = await use(alice, 'read_results', { status: 'negative', limit: 5 });
    expect(negatives.results.map((r: { filename: string }) => r.filename)).toEqual([bad.filename]);
    // With a challenge installed, what no job of the hub measured is unverified, and the leaderboard ranks only measurements.
    expect(good.verification).toBe('unverified');
    expect(await use(alice, 'read_result', { filename: bad.filename })).toMatchObject({
      frontmatter: { status: 'negative' },
      verification: 'unverified',
    });
    const board = await use(alice, 'read_leaderboard', { limit: 5 });
    expect(board.rows.find((r: { agent: string }) => r.agent === 'alice')).toBeUndefined();
  });
});

describe('bad calls are answered, never thrown', () => {
  it('names the missing, unknown or mistyped field and shows a call that fits', async () => {
    const missing = await refusal(alice, 'post', { body: 'hi' });
    expect(missing).toContain('invalid arguments for post');
    expect(missing).toContain('missing "channel"');
    expect(missing).toContain('e.g. {"body":"hi","channel":"","reply_to":"","refs":[]}');
    expect(await refusal(alice, 'read_board', { channel: 5, limit: 10 })).toContain('channel must be a string');
    expect(await refusal(alice, 'read_board', { channel: '', limit: 7 })).toContain('limit must be one of 5, 10, 20');
    expect(await refusal(alice, 'read_board', { channel: '', limit: 5, page: 2 })).toContain('unknown field "page"');
    expect(await refusal(alice, 'wait', 'not json')).toContain('the arguments must be an object');
    expect(await refusal(alice, 'post', { body: 'x'.repeat(1001), channel: '', reply_to: '', refs: [] })).toContain(
      'body is too long: at most 1000 characters',
    );
    expect(await refusal(alice, 'teleport', {})).toMatch(/^unknown tool "teleport"; the tools are: read_board, /);
    // Arguments as a JSON string (as some chat templates send them) are read as the object they encode.
    expect((await runTool(tools, 'wait', '{"reason":"nothing new"}', alice)).ok).toBe(true);
  });

  it('explains submit_job mistakes in terms of the branch the agent meant', async () => {
    const base = { method: 'm', description: 'd' };
    const mcpSchema = mcpInputSchema(tools.find((t) => t.name === 'submit_job')!.parameters);
    const wrongDraft = await runTool(
      tools,
      'submit_job',
      { ...base, config: { spec_type: 'draft', target: 'target', draft: 'nope' } },
      alice,
      { parameters: mcpSchema as never },
    ).then((out) => (out.ok ? '' : out.error));
    // An MCP client may name a scratch:<path> model, so the hub checks the name and lists the pack's models.
    expect(wrongDraft).toContain('config.draft: "nope" is not a model of the tiny pack');
    expect(wrongDraft).toContain('use one of target, draft-same, draft-q8, or scratch:<path>');
    // A local agent picks among the pack's models (and its own scratch models): the grammar's choices, named.
    const local = agentTools(challenge, { channels: [], messages: [], results: [], levers: ['drafter'] });
    const localDraft = await runTool(
      local,
      'submit_job',
      {
        ...base,
        config: {
          spec_type: 'draft',
          target: 'target',
          draft: 'nope',
          draft_n_max: 4,
          flash_attn: 'auto',
          cache_type_k: 'f16',
          cache_type_v: 'f16',
        },
      },
      alice,
    );
    expect(localDraft).toMatchObject({ ok: false });
    expect((localDraft as { error: string }).error).toContain('config.draft must be one of "draft-same", "draft-q8"');
    expect((localDraft as { error: string }).error).not.toContain('"none"');
    expect(await refusal(alice, 'submit_job', { ...base, config: { spec_type: 'turbo', target: 'target' } })).toContain(
      'config.spec_type must be one of "none", "draft", "ngram"',
    );
    const depth = await refusal(alice, 'submit_job', {
      ...base,
      config: {
        spec_type: 'draft',
        target: 'target',
        draft: 'draft-q8',
        draft_n_max: 5,
        flash_attn: 'on',
        cache_type_k: 'f16',
        cache_type_v: 'q8_0',
      },
    });
    expect(depth).toContain('config.draft_n_max must be one of 1, 2, 3, 4, 6, 8, 12, 16');
    expect(depth).toContain('"draft":"draft-q8"');
    const vCache = await refusal(alice, 'submit_job', {
      ...base,
      config: { spec_type: 'none', target: 'target', flash_attn: 'off', cache_type_k: 'f16', cache_type_v: 'q8_0' },
    });
    expect(vCache).toContain('config.cache_type_v must be "f16"');
  });

  it('turns hub refusals into "<code>: <message> (<hint>)"', async () => {
    expect(
      await refusal(alice, 'post', { body: 'into the void', channel: 'no-such-channel', reply_to: '', refs: [] }),
    ).toMatch(/^CHANNEL_NOT_FOUND: no such channel: 'no-such-channel' \(GET \/v1\/channels/);
    expect(await refusal(alice, 'check_job', { id: 'job-nope' })).toBe(
      'NOT_FOUND: no job job-nope (GET /v1/jobs lists jobs)',
    );
    expect(
      await refusal(alice, 'publish_result', {
        status: 'agent-run',
        tps: -3,
        ppl: 2,
        method: 'm',
        description: 'd',
        details: '',
        job_id: '',
      }),
    ).toContain('a result needs measured figures: give job_id of your finished job');
    expect(await refusal(bob, 'create_channel', { name: 'draft-depth', theme: 'mine now' })).toMatch(
      /^CHANNEL_EXISTS: /,
    );
    const offline: ToolContext = { hub: new HubClient({ url: 'http://127.0.0.1:9', token: 'x' }), agentId: 'alice' };
    expect(await refusal(offline, 'read_board', { channel: '', limit: 5 })).toMatch(
      /^HUB_UNREACHABLE: the hub at http:\/\/127\.0\.0\.1:9 could not be reached/,
    );
  });
});

describe('benchmark jobs', () => {
  it('submit_job queues a job on the real engine; check_job follows it to its measured result; list_jobs shows it and the quota', async () => {
    const submitted = await mcpUse(alice, 'submit_job', {
      config: {
        spec_type: 'draft',
        target: 'target',
        draft: 'draft-same',
        draft_n_max: 2,
        flash_attn: 'auto',
        cache_type_k: 'f16',
        cache_type_v: 'f16',
      },
      method: 'identical draft, depth 2',
      description: 'upper bound of acceptance',
    });
    expect(submitted).toMatchObject({
      state: 'queued',
      config: { spec_type: 'draft', draft: 'draft-same', draft_n_max: 2 },
    });
    await hub.running.hub.jobQueue!.idle();
    const checked = await use(alice, 'check_job', { id: submitted.id });
    expect(checked.state, checked.error).toBe('succeeded');
    expect(checked.measured.tps).toBeGreaterThan(0);
    expect(checked.measured.identical).toBe(true);
    const mine = await use(alice, 'list_jobs', { state: 'all', limit: 5 });
    expect(mine.jobs.map((j: { id: string }) => j.id)).toEqual([submitted.id]);
    expect(mine.quota).toMatchObject({ used: 1, limit: 50 });
    // The job published its own result: the same figures are not published again as a run, nor by another agent.
    const citing = (who: ToolContext, status: string) =>
      runTool(
        tools,
        'publish_result',
        {
          status,
          tps: 0,
          ppl: 0,
          method: 'same model as draft',
          description: 'slower than plain on a CPU',
          details: '',
          job_id: submitted.id,
        },
        who,
      );
    const again = await citing(alice, 'agent-run');
    expect(again.ok).toBe(false);
    expect((again as { error: string }).error).toContain(
      `job ${submitted.id} already published its result ${checked.result} when it ended`,
    );
    const foreign = await citing(bob, 'negative');
    expect((foreign as { error: string }).error).toContain(`job ${submitted.id} is alice's, not yours`);
    // As a dead end it may be marked once: a result citing the job carries its config, so it could be re-run.
    const deadEnd = await citing(alice, 'negative');
    if (checked.measured.status === 'negative') {
      expect((deadEnd as { error: string }).error).toContain(`is a negative result already; post about it`);
    } else {
      expect(deadEnd.ok, deadEnd.ok ? '' : deadEnd.error).toBe(true);
      const cited = JSON.parse((deadEnd as { result: string }).result) as { filename: string };
      const fm = (await hub.call('GET', `/v1/results/${cited.filename}`)).body.frontmatter;
      expect(fm).toMatchObject({
        status: 'negative',
        tps: checked.measured.tps,
        job: submitted.id,
        config: { target: 'target', draft: 'draft-same', spec_type: 'draft' },
      });
    }
  }, 60_000);
});

describe("submit_job's config schema: every grammar-valid config is one the hub accepts", () => {
  /** Every instance of a schema: one per combination of its enum values, across every oneOf branch. */
  function instances(s: JsonSchema): unknown[] {
    if ('const' in s) return [s.const];
    if ('enum' in s) return [...s.enum];
    if ('oneOf' in s) return s.oneOf.flatMap(instances);
    if (s.type !== 'object') throw new Error(`no instances for ${JSON.stringify(s)}`);
    let out: Array<Record<string, unknown>> = [{}];
    for (const [k, v] of Object.entries(s.properties))
      out = out.flatMap((o) => instances(v).map((x) => ({ ...o, [k]: x })));
    return out;
  }

  function packFromResources(file: string): InstalledPack {
    const raw = JSON.parse(readFileSync(join(PROJECT_ROOT, 'resources/packs', file), 'utf8')) as unknown;
    const pack = Value.Default(ChallengePack, raw) as ChallengePack;
    return {
      ...pack,
      installed_at: 'now',
      model_paths: Object.fromEntries(Object.keys(pack.models).map((m) => [m, `/models/${m}.gguf`])),
    };
  }

  function infoOf(pack: InstalledPack): ChallengeInfo {
    return {
      ...publicPack(pack),
      baseline_result: null,
      baseline_job: null,
      ppl_cap: null,
      example_job: { config: {}, method: '', description: '' },
    };
  }

  /**
   * Every combination of the core settings (drafter, depth, flash attention, KV cache), and each value of every
   * lever's setting on top of one of them: the levers' full product would be millions of configs.
   */
  function checkAll(pack: InstalledPack): { branches: string[]; count: number } {
    const core = submitJobConfigSchema(infoOf(pack), { levers: [] })!;
    const full = submitJobConfigSchema(infoOf(pack))!;
    const submit = agentTools(infoOf(pack)).find((t) => t.name === 'submit_job')!;
    let count = 0;
    const branches: string[] = [];
    const check = (config: Record<string, unknown>) => {
      count++;
      const where = `${pack.id}: ${JSON.stringify(config)}`;
      expect(checkRunConfig({ ...pack.defaults, ...config }).error, where).toBeNull();
      expect(() => checkJobConfig(pack, 'alice', config), where).not.toThrow();
      expect(submit.parameters.properties.config, where).toBeDefined();
    };
    core.oneOf.forEach((branch, i) => {
      const all = instances(branch) as Array<Record<string, unknown>>;
      branches.push(
        `${String(all[0]!.spec_type)}${'flash_attn' in all[0]! ? `/fa:${[...new Set(all.map((c) => c.flash_attn))].join('|')}` : ''}`,
      );
      for (const config of all) check(config);
      const withLevers = full.oneOf[i] as Extract<JsonSchema, { type: 'object' }>;
      for (const [key, field] of Object.entries(withLevers.properties))
        if (!(key in (branch as Extract<JsonSchema, { type: 'object' }>).properties))
          for (const value of instances(field)) check({ ...all.at(-1)!, [key]: value });
    });
    return { branches, count };
  }

  it('the installed test pack: none, draft and n-gram branches, flash attention off only with an f16 V cache', async () => {
    const pack = hub.running.hub.challenge.require();
    const { branches, count } = checkAll(pack);
    expect(branches).toEqual([
      'none/fa:auto|on',
      'none/fa:off',
      'draft/fa:auto|on',
      'draft/fa:off',
      'ngram/fa:auto|on',
      'ngram/fa:off',
    ]);
    expect(count).toBeGreaterThan(100);
  });

  it('the gemma pack: the assistant drafter only as draft-mtp, and flash attention left to the pack', () => {
    const pack = packFromResources('gemma.json');
    const { branches } = checkAll(pack);
    expect(branches).toEqual(['none', 'draft-mtp', 'ngram']);
    const mtp = submitJobConfigSchema(infoOf(pack))!.oneOf[1]!;
    expect(JSON.stringify(mtp)).toContain('"enum":["gemma-4-e4b-assistant"]');
  });

  it('the demo pack: every draft model in the draft branch, no draft-mtp', () => {
    const pack = packFromResources('demo.json');
    const { branches } = checkAll(pack);
    expect(branches.map((b) => b.split('/')[0])).not.toContain('draft-mtp');
    const draft = submitJobConfigSchema(infoOf(pack))!.oneOf.find((b) =>
      JSON.stringify(b).includes('"const":"draft"'),
    )!;
    expect(JSON.stringify(draft)).toContain('"enum":["draft-q8","draft-q4","draft-shallow"]');
  });

  // Each cancel lands at once, even on a job the queue is claiming at that instant (it is stopped, not refused).
  it('the live hub accepts one config of every branch (each cancelled at once)', async () => {
    const carol = ctx('carol');
    const schema = submitJobConfigSchema(challenge, { levers: [] })!;
    const mcpSchema = mcpInputSchema(tools.find((t) => t.name === 'submit_job')!.parameters);
    for (const branch of schema.oneOf) {
      const config = instances(branch).at(-1) as Record<string, unknown>;
      const out = await runTool(
        tools,
        'submit_job',
        { config, method: 'schema check', description: 'every branch is accepted' },
        carol,
        { parameters: mcpSchema as never },
      );
      expect(out.ok, `${JSON.stringify(config)}: ${out.ok ? '' : out.error}`).toBe(true);
      const cancelled = await carol.hub.cancelJob(JSON.parse((out as { result: string }).result).id as string);
      expect(['cancelled', 'failed']).toContain(cancelled.state);
    }
    await hub.running.hub.jobQueue!.idle();
  }, 60_000);
});

describe('submit_job covers every lever the supervisor can assign', () => {
  const draftConfig = {
    spec_type: 'draft',
    target: 'target',
    draft: 'draft-q8',
    draft_n_max: 4,
    flash_attn: 'on',
    cache_type_k: 'q8_0',
    cache_type_v: 'q8_0',
  };

  it('a job submitted with every lever set lands with those values in its config, a scratch model too', async () => {
    // The test pack fixes ctx_size and threads; a pack that leaves them free offers them.
    const open = agentTools({ ...challenge, defaults: {} });
    const levers = {
      draft_n_min: 1,
      draft_p_min: 0.7,
      draft_cache_type_k: 'q8_0',
      draft_cache_type_v: 'q8_0',
      batch_size: 1024,
      ubatch_size: 256,
      ctx_size: 2048,
      gpu_layers: 0,
      draft_gpu_layers: 0,
      threads: 2,
      draft_threads: 1,
      poll: 50,
    };
    const out = await runTool(
      open,
      'submit_job',
      { config: { ...draftConfig, ...levers }, method: 'every lever', description: '' },
      bob,
    );
    expect(out.ok, out.ok ? '' : out.error).toBe(true);
    const id = JSON.parse((out as { result: string }).result).id as string;
    const job = await bob.hub.job(id);
    expect(job.config).toMatchObject({ ...draftConfig, ...levers });
    expect(job.method).toBe('every lever');
    await bob.hub.cancelJob(id);

    // A model of its own, uploaded to its scratch folder, is named scratch:<path>.
    await bob.hub.writeScratch('bob', 'models/mine.gguf', readFileSync(join(dir, 'pack', 'models', 'draft-q4_0.gguf')));
    const scratch = await runTool(
      tools,
      'submit_job',
      {
        config: { spec_type: 'draft', target: 'target', draft: 'scratch:models/mine.gguf' },
        method: '',
        description: '',
      },
      bob,
    );
    // The plain tool checks every field (a local agent's grammar fills them all); MCP's schema leaves them out.
    expect(scratch.ok).toBe(false);
    const submit = tools.find((t) => t.name === 'submit_job')!;
    const schema = mcpInputSchema(submit.parameters);
    expect(schema.required).toEqual(['config']);
    const minimal = await runTool(
      tools,
      'submit_job',
      withDefaults(schema, { config: { spec_type: 'draft', target: 'target', draft: 'scratch:models/mine.gguf' } }),
      bob,
      { parameters: schema as never },
    );
    expect(minimal.ok, minimal.ok ? '' : minimal.error).toBe(true);
    const mine = await bob.hub.job(JSON.parse((minimal as { result: string }).result).id as string);
    expect(mine.config).toMatchObject({ draft: 'scratch:models/mine.gguf', draft_n_max: 6 });
    // No method given: the job is named from its config.
    expect(mine.method).toBe('draft model scratch:models/mine.gguf, target target, n_draft 6');
    await bob.hub.cancelJob(mine.id);
    await hub.running.hub.jobQueue!.idle();
  }, 60_000);

  it("a local agent's config offers its own direction's settings, and its scratch models", () => {
    const config = (levers: string[], scratchModels: string[] = []) =>
      JSON.stringify(
        agentTools(challenge, { channels: [], messages: [], results: [], levers, scratchModels }).find(
          (t) => t.name === 'submit_job',
        )!.parameters.properties.config,
      );
    expect(config(['batching'])).toContain('"batch_size"');
    expect(config(['batching'])).not.toContain('"gpu_layers"');
    expect(config(['offload'])).toContain('"gpu_layers"');
    expect(config(['offload'])).toContain('"draft_gpu_layers"');
    // threads is fixed by this pack: never offered.
    expect(config(['offload'])).not.toContain('"threads"');
    expect(config(['kv-cache'])).toContain('"draft_cache_type_k"');
    expect(config(['draft-depth'])).toContain('"draft_p_min"');
    expect(config(['drafter'], ['scratch:mine.gguf'])).toContain('"scratch:mine.gguf"');
  });
});

describe('publish_result publishes measured figures only', () => {
  it('refuses a result without figures, and publishes a finished job with its own', async () => {
    const noFigures = await refusal(alice, 'publish_result', {
      status: 'agent-run',
      tps: 0,
      ppl: 0,
      method: 'm',
      description: 'd',
      details: '',
      job_id: '',
    });
    expect(noFigures).toBe(
      'invalid arguments for publish_result: a result needs measured figures: give job_id of your finished job (its measured tps and ppl are used), or tps and ppl (> 0) you measured yourself; got tps 0, ppl 0',
    );
    // An MCP client may leave the figures out when it names a job; a local agent has no figure to type at all.
    const publish = tools.find((t) => t.name === 'publish_result')!;
    expect(mcpInputSchema(publish.parameters).required).not.toContain('tps');
    const finished = (await alice.hub.jobs({ agent: 'alice', limit: 20 })).items.find((j: JobInfo) => j.result)!;
    expect(finished, 'the benchmark jobs test ran a job to its result').toBeDefined();
    const local = agentTools(challenge, {
      channels: [],
      messages: [],
      results: [],
      jobs: [finished.id],
      finishedJobs: [finished.id],
    });
    const localPublish = local.find((t) => t.name === 'publish_result')!;
    expect(Object.keys(localPublish.parameters.properties)).not.toContain('tps');
    expect(localPublish.parameters.properties.job_id).toEqual(expect.objectContaining({ enum: [finished.id] }));
    // Its job published its run already: a local agent may only mark it a dead end, never publish it twice.
    expect(localPublish.parameters.properties.status).toEqual(expect.objectContaining({ enum: ['negative'] }));
    const out = await runTool(
      local,
      'publish_result',
      { status: 'agent-run', job_id: finished.id, method: '', description: 'as measured', details: '' },
      alice,
    );
    expect(out.ok).toBe(false);
    expect((out as { error: string }).error).toMatch(/^invalid arguments for publish_result: status /);
    const before = (await hub.call('GET', '/v1/results?limit=100')).body.items.length;
    const direct = await runTool(
      tools,
      'publish_result',
      {
        status: 'agent-run',
        tps: 0,
        ppl: 0,
        method: 'm',
        description: 'as measured',
        details: '',
        job_id: finished.id,
      },
      alice,
    );
    expect((direct as { error: string }).error).toContain(
      `already published its result ${finished.result} when it ended (status `,
    );
    expect((await hub.call('GET', '/v1/results?limit=100')).body.items.length).toBe(before);
    // Without a finished job there is nothing to publish: the tool is not offered to a local agent.
    expect(
      agentTools(challenge, { channels: [], messages: [], results: [], jobs: [], finishedJobs: [] }).map((t) => t.name),
    ).not.toContain('publish_result');
  });
});

describe("a local agent's steps (a scripted model through the real hub)", () => {
  /** A model that answers each step with the next scripted call, and keeps every request it was sent. */
  function scriptedChat(script: Array<(request: ChatCompletionRequest) => Promise<{ name: string; args: unknown }>>): {
    chat: ChatClient;
    requests: ChatCompletionRequest[];
  } {
    const requests: ChatCompletionRequest[] = [];
    const chat = {
      async complete(request: ChatCompletionRequest): Promise<ChatCompletion> {
        requests.push(request);
        const next = script[requests.length - 1];
        if (!next) throw new Error('the script has no more steps');
        const { name, args } = await next(request);
        return {
          id: `c${requests.length}`,
          object: 'chat.completion',
          created: 0,
          model: 'scripted',
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: null,
                tool_calls: [{ id: 't', type: 'function', function: { name, arguments: JSON.stringify(args) } }],
              },
              finish_reason: 'tool_calls',
            },
          ],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        } as ChatCompletion;
      },
    } as unknown as ChatClient;
    return { chat, requests };
  }

  const forced = (r: ChatCompletionRequest) =>
    typeof r.tool_choice === 'object' ? (r.tool_choice as { function: { name: string } }).function.name : r.tool_choice;

  it("marks a demo model's text, names its jobs from their configs, corrects a failed call, and keeps a job in flight", async () => {
    const token = await hub.register('dave');
    const dave: ToolContext = { hub: hub.client(token), agentId: 'dave' };
    const config = { ...draftConfigOf(), draft_n_max: 8 };
    const { chat, requests } = scriptedChat([
      async () => ({ name: 'post', args: { body: 'q61;t61 noise', channel: '', reply_to: '', refs: [] } }),
      async () => ({ name: 'submit_job', args: { config, method: '[is,;;;t61', description: 'noise' } }),
      async () => ({ name: 'read_file', args: { area: 'scratch', agent: '', path: 'no-such-file.txt' } }),
      async () => {
        // Its job ends before the next step: then it queues the next one.
        await hub.running.hub.jobQueue!.idle();
        return { name: 'read_board', args: { channel: '', limit: 5 } };
      },
      async () => ({ name: 'submit_job', args: { config, method: 'more noise', description: 'noise' } }),
    ]);
    const reports: WorkerToSupervisor[] = [];
    const agent = new LocalAgent({
      agentId: 'dave',
      role: 'explorer',
      direction: 'draft-depth',
      model: 'scripted',
      steps: 0,
      tokensUsed: 0,
      budget: { tokens: null, jobs_per_day: 10 },
      maxSteps: 5,
      stepDelayMs: 0,
      seed: 1,
      demoModel: true,
      hub: dave.hub,
      chat,
      report: (m) => reports.push(m),
    });
    expect(await agent.run()).toBe('max_steps');
    expect(requests.map(forced)).toEqual(['post', 'submit_job', 'required', 'read_file', 'submit_job']);

    // The card says what it does, and how far: its step of max_steps.
    expect(reports).toContainEqual({ type: 'action', action: 'thinking', progress: 'step 1 of 5' });
    // Its post keeps its words, marked as the demo model's.
    const posts = (await dave.hub.messages({ agent: 'dave', expand: true, limit: 5 })).items as Array<{ body: string }>;
    expect(posts[0]!.body).toBe(`${DEMO_TEXT_MARK} q61;t61 noise`);
    // Its jobs are named from their configs, never from its noise.
    const jobs = (await dave.hub.jobs({ agent: 'dave', limit: 5 })).items;
    expect(jobs).toHaveLength(2);
    for (const j of jobs) {
      expect(j.method).toBe(
        'draft model draft-q8, target target, n_draft 8, flash attention on, K cache q8_0, V cache q8_0',
      );
      expect(j.description).toMatch(
        /^Settings chosen by the demo model \(random weights; its own words are left out\): /,
      );
    }
    // The trace keeps what the model wrote, and what was sent beside it; the supervisor learns the job's id.
    const steps = reports.flatMap((m) => (m.type === 'step' ? [m] : []));
    const submitted = steps[1]!;
    expect(submitted.step.tool_calls![0]).toMatchObject({
      name: 'submit_job',
      arguments: { method: '[is,;;;t61', description: 'noise' },
      sent_arguments: { method: '' },
    });
    expect(jobs.map((j) => j.id)).toContain(submitted.jobSubmitted!.id);
    // A call sent as the model wrote it is traced once.
    expect(steps[2]!.step.tool_calls![0]).not.toHaveProperty('sent_arguments');
    // The failed read is answered with its error in the next prompt, and the next step calls it again.
    const retryPrompt = requests[3]!.messages.at(-1)!.content as string;
    expect(retryPrompt).toContain('Your last call failed: read_file -> NOT_FOUND: no such file');
    expect(retryPrompt).toContain('Call read_file again now, corrected as the error says.');
    // The one read that failed is what the step after it corrected; a step that went well shows no error.
    expect(requests[2]!.messages.at(-1)!.content).not.toContain('Your last call failed');
    for (const j of jobs) if (j.state === 'queued' || j.state === 'running') await dave.hub.cancelJob(j.id);
    await hub.running.hub.jobQueue!.idle();
  }, 120_000);

  it("stops forcing submissions while the hub's job quota is spent, and does not retry the refused call", async () => {
    const token = await hub.register('erin');
    const freesAt = new Date(Date.now() + 3600_000).toISOString();
    let submits = 0;
    /** The real hub, but every submission meets a spent quota, as POST /v1/jobs refuses it. */
    class QuotaSpentHub extends HubClient {
      override submitJob(): Promise<JobInfo> {
        submits += 1;
        throw new HubClientError(
          429,
          'QUOTA_EXCEEDED',
          `quota reached: 3 of 3 jobs in 24 h; the next slot frees at ${freesAt}`,
          'GET /v1/jobs/quota shows your quota; make each job count',
        );
      }
    }
    const config = draftConfigOf();
    const { chat, requests } = scriptedChat([
      async () => ({ name: 'post', args: { body: 'hello', channel: '', reply_to: '', refs: [] } }),
      async () => ({ name: 'submit_job', args: { config, method: 'm', description: 'd' } }),
      async () => ({ name: 'read_board', args: { channel: '', limit: 5 } }),
      async () => ({ name: 'read_board', args: { channel: '', limit: 5 } }),
    ]);
    const agent = new LocalAgent({
      agentId: 'erin',
      role: 'explorer',
      direction: 'draft-depth',
      model: 'scripted',
      steps: 0,
      tokensUsed: 0,
      budget: { tokens: null, jobs_per_day: 10 },
      maxSteps: 4,
      stepDelayMs: 0,
      seed: 1,
      demoModel: false,
      hub: new QuotaSpentHub({ url: hub.url, token }),
      chat,
      report: () => undefined,
    });
    expect(await agent.run()).toBe('max_steps');
    // Refused once, it is neither made to retry nor to submit again: the model chooses freely until the slot frees.
    expect(submits).toBe(1);
    expect(requests.map(forced)).toEqual(['post', 'submit_job', 'required', 'required']);
    expect(requests[2]!.messages.at(-1)!.content).not.toContain('Your last call failed');
  }, 60_000);

  function draftConfigOf(): Record<string, unknown> {
    return {
      spec_type: 'draft',
      target: 'target',
      draft: 'draft-q8',
      draft_n_max: 4,
      flash_attn: 'on',
      cache_type_k: 'q8_0',
      cache_type_v: 'q8_0',
      draft_n_min: 0,
      draft_p_min: 0,
    };
  }
});
