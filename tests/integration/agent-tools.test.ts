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
import { engineJobRunner } from '../../src/bench/job-runner';
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
    const wrongDraft = await refusal(alice, 'submit_job', {
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
    });
    expect(wrongDraft).toContain('config.draft must be one of "draft-same", "draft-q8"');
    expect(wrongDraft).not.toContain('"none"');
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
    ).toContain('tps must be a positive number');
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
    const submitted = await use(alice, 'submit_job', {
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
    // A result citing the job carries its config, so the verifier could re-run it.
    const cited = await use(alice, 'publish_result', {
      status: 'negative',
      tps: checked.measured.tps,
      ppl: checked.measured.ppl,
      method: 'same model as draft',
      description: 'slower than plain on a CPU',
      details: '',
      job_id: submitted.id,
    });
    const fm = (await hub.call('GET', `/v1/results/${cited.filename}`)).body.frontmatter;
    expect(fm).toMatchObject({
      job: submitted.id,
      config: { target: 'target', draft: 'draft-same', spec_type: 'draft' },
    });
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

  function checkAll(pack: InstalledPack): { branches: string[]; count: number } {
    const schema = submitJobConfigSchema(infoOf(pack))!;
    const submit = agentTools(infoOf(pack)).find((t) => t.name === 'submit_job')!;
    let count = 0;
    const branches: string[] = [];
    for (const branch of schema.oneOf) {
      const all = instances(branch) as Array<Record<string, unknown>>;
      branches.push(
        `${String(all[0]!.spec_type)}${'flash_attn' in all[0]! ? `/fa:${[...new Set(all.map((c) => c.flash_attn))].join('|')}` : ''}`,
      );
      for (const config of all) {
        count++;
        const where = `${pack.id}: ${JSON.stringify(config)}`;
        expect(checkRunConfig({ ...pack.defaults, ...config }).error, where).toBeNull();
        expect(() => checkJobConfig(pack, 'alice', config), where).not.toThrow();
        expect(submit.parameters.properties.config, where).toBeDefined();
      }
    }
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
    const schema = submitJobConfigSchema(challenge)!;
    for (const branch of schema.oneOf) {
      const config = instances(branch).at(-1) as Record<string, unknown>;
      const out = await runTool(
        tools,
        'submit_job',
        { config, method: 'schema check', description: 'every branch is accepted' },
        carol,
      );
      expect(out.ok, `${JSON.stringify(config)}: ${out.ok ? '' : out.error}`).toBe(true);
      const cancelled = await carol.hub.cancelJob(JSON.parse((out as { result: string }).result).id as string);
      expect(['cancelled', 'failed']).toContain(cancelled.state);
    }
    await hub.running.hub.jobQueue!.idle();
  }, 60_000);
});
