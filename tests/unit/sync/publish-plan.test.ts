// The publish plan: the result in the collab's format (exploratory where it ranks only its own hardware), what stays here, and a digest that changes with any byte.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { CollabAgent, PublishMaterial } from '../../../src/shared/sync-api';
import type { CollabConnection } from '../../../src/sync/collab-store';
import { planPublish, slugOf } from '../../../src/sync/publish-plan';
import type { SyncError } from '../../../src/sync/sync-error';

const collab = (over: Partial<CollabConnection> = {}): CollabConnection => ({
  id: 'gemma-challenge/gemma',
  api_url: 'https://gemma-challenge-gemma-bucket-sync.hf.space',
  dashboard_url: null,
  org: 'gemma-challenge',
  collab: 'gemma',
  central_bucket: 'gemma-challenge/gemma-main-bucket',
  title: 'Gemma',
  score_field: 'tps',
  score_order: 'desc',
  score_unit: 'tokens/s',
  required_result_fields: ['tps', 'ppl', 'method', 'status', 'description'],
  limits: null,
  runs_jobs: true,
  docs: null,
  invite_url: null,
  product: null,
  connected_at: '2026-12-03T00:00:00.000Z',
  rules_url: null,
  agents: [],
  ...over,
});

const agent: CollabAgent = {
  agent_id: 'ada-h200',
  bucket: 'gemma-challenge/gemma-ada-h200',
  hf_user: 'ada',
  model: 'gemma-4-E4B',
  harness: 'collab-desk',
  registered_at: '2026-12-03T00:00:00.000Z',
};

const material = (over: Partial<PublishMaterial['result']> = {}): PublishMaterial => ({
  result: {
    filename: '20261203-101500-alice-ab12.md',
    agent: 'alice',
    score: 181.5,
    status: 'agent-run',
    hardware: 'NVIDIA H200 (cuda)',
    measurement: 'clean',
    verification: 'valid',
    frontmatter: {
      tps: 181.5,
      ppl: 7.91,
      method: 'draft gemma-270m, n=6',
      status: 'agent-run',
      description: 'a small draft',
      tps_private: 176.2,
      speedup_private: 2.4,
      job: 'job_1',
      pack: 'gemma4',
      machine: { load_before: 0.1 },
      config: { spec_type: 'draft', draft_max: 6 },
      hardware: 'NVIDIA H200 (cuda)',
    },
    body: '# draft gemma-270m\n\nmeasured here\n',
    ts: 1,
    ...over,
  },
  bundle: [
    { path: 'config.json', content: '{"spec_type":"draft"}\n' },
    { path: 'output.json', content: '{"tps":181.5}\n' },
  ],
  withheld: ["the job's working files"],
});

const body = { result: '20261203-101500-alice-ab12.md', collab: 'gemma-challenge/gemma', agent: 'ada-h200' };

describe('planPublish', () => {
  it('writes the result in the collab format, exploratory where it ranks only its own hardware, private figures withheld', () => {
    const plan = planPublish(material(), collab(), agent, body, null);
    const slug = /^results\/(20261203-101500-alice-ab12-[0-9a-f]{8})\.md$/.exec(plan.files[0]!.path)![1]!;
    const result = plan.files[0]!;
    const text = result.content.toString('utf8');
    const fm = parse(text.split('---\n')[1]!) as Record<string, unknown>;
    expect(fm).toMatchObject({
      tps: 181.5,
      ppl: 7.91,
      status: 'agent-run',
      exploratory: true,
      hardware: 'NVIDIA H200 (cuda)',
      local_result: '20261203-101500-alice-ab12.md',
    });
    expect(String(fm.description)).toMatch(/^\[exploratory, NVIDIA H200 \(cuda\)\] a small draft$/);
    for (const key of ['tps_private', 'speedup_private', 'job', 'pack', 'machine']) expect(fm).not.toHaveProperty(key);
    expect(text).toContain('> Exploratory: measured on NVIDIA H200 (cuda)');
    expect(plan.preview.notice).toMatch(/not on gemma-challenge\/gemma's own hardware/);
    expect(plan.preview.withheld.join('\n')).toMatch(/held-out \(private\) prompts' figures/);
    expect(fm.bundle).toBe(`artifacts/${slug}_ada-h200/`);
    expect(slug.length).toBeLessThanOrEqual(40);
    expect(plan.files.map((f) => f.path)).toEqual([
      `results/${slug}.md`,
      `runs/${slug}/config.json`,
      `runs/${slug}/output.json`,
      `runs/${slug}/result.md`,
    ]);
    expect(plan.calls).toEqual([
      {
        method: 'POST',
        path: '/v1/results',
        body: { source: `hf://buckets/gemma-challenge/gemma-ada-h200/results/${slug}.md` },
      },
      {
        method: 'POST',
        path: '/v1/artifacts:sync',
        body: { source: `hf://buckets/gemma-challenge/gemma-ada-h200/runs/${slug}/`, dest_slug: slug },
      },
    ]);
    expect(plan.preview.files.every((f) => f.text !== null)).toBe(true);
  });

  it('is not exploratory on a collab that does not fix its hardware; the bundle and a message are optional', () => {
    const plan = planPublish(
      material(),
      collab({ runs_jobs: false }),
      agent,
      { ...body, bundle: false, message: 'hi all' },
      null,
    );
    expect(plan.preview.notice).toBeNull();
    expect(plan.files.map((f) => f.path.replace(/-[0-9a-f]{8}\.md$/, '.md'))).toEqual([
      'results/20261203-101500-alice-ab12.md',
      'messages/20261203-101500-alice-ab12.md',
    ]);
    // The post names what it is about, so the same words about another result are another post.
    expect(plan.files[1]!.content.toString()).toBe(
      'hi all\n\n(tps 181.5 on NVIDIA H200 (cuda); 20261203-101500-alice-ab12.md)\n',
    );
    expect(plan.calls.map((c) => c.path)).toEqual(['/v1/results', '/v1/messages']);
    expect(plan.preview.withheld).toContain('the run bundle (not asked for)');
  });

  it("measured by a collab job: not exploratory, no bundle uploaded, artifacts:sync copies the job's run folder", () => {
    const byJob: PublishMaterial = {
      ...material({ filename: 'runs/v1-20261203-101500', frontmatter: { ppl: 7.9, method: 'v1', description: 'v1' } }),
      bundle: [],
      measured_by_collab: { job_id: 'job_9', run_prefix: 'runs/v1-20261203-101500', job_url: 'https://hf.co/jobs/9' },
    };
    const plan = planPublish(byJob, collab(), agent, { ...body, message: 'measured there' }, null);
    expect(plan.preview.notice).toBeNull();
    expect(plan.files.map((f) => f.path)).toEqual([
      expect.stringMatching(/^results\/runs-v1-20261203-101500-[0-9a-f]{8}\.md$/),
      expect.stringMatching(/^messages\//),
    ]);
    const fm = parse(plan.files[0]!.content.toString().split('---')[1]!) as Record<string, unknown>;
    expect(fm).toMatchObject({ exploratory: false, job_id: 'job_9', run_prefix: 'runs/v1-20261203-101500' });
    expect(fm.description).toBe('v1');
    const sync = plan.calls.find((c) => c.path === '/v1/artifacts:sync')!;
    expect(sync.body.source).toBe('hf://buckets/gemma-challenge/gemma-ada-h200/runs/v1-20261203-101500/');
  });

  it('gives two publishes of one result with different content their own paths in the bucket', () => {
    const a = planPublish(material(), collab(), agent, { ...body, message: 'one' }, null);
    const b = planPublish(material(), collab(), agent, { ...body, message: 'two' }, null);
    const c = planPublish(material(), collab(), agent, { ...body, message: 'one' }, null);
    expect(a.files[0]!.path).not.toBe(b.files[0]!.path);
    expect(a.files[0]!.path).toBe(c.files[0]!.path);
  });

  it('has a digest that changes with any byte and stays the same for the same plan', () => {
    const a = planPublish(material(), collab(), agent, body, null);
    const b = planPublish(material(), collab(), agent, body, null);
    const c = planPublish(material({ body: '# draft gemma-270m\n\nmeasured here!\n' }), collab(), agent, body, null);
    expect(a.digest).toBe(b.digest);
    expect(c.digest).not.toBe(a.digest);
  });

  it('refuses what the collab would refuse, and a file holding the signed-in token', () => {
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err as SyncError;
      }
      throw new Error('not refused');
    };
    const fm = { ...material().result.frontmatter, ppl: undefined };
    expect(refusal(() => planPublish(material({ frontmatter: fm }), collab(), agent, body, null)).message).toMatch(
      /requires "ppl"/,
    );
    expect(refusal(() => planPublish(material({ status: 'baseline' }), collab(), agent, body, null)).code).toBe(
      'COLLAB_REFUSED',
    );
    const token = 'hf_abcdefghijklmnopqrstuvwxyz0123456789';
    const leaked = refusal(() => planPublish(material({ body: `oops ${token}` }), collab(), agent, body, token));
    expect(leaked.code).toBe('PRIVATE_CONTENT');
    expect(leaked.message).not.toContain(token);
  });

  it('turns a result filename into an artifact slug of the public grammar', () => {
    expect(slugOf('20261203-101500-alice-ab12.md')).toBe('20261203-101500-alice-ab12');
    expect(slugOf('__Weird Name!!.md')).toBe('weird-name');
    expect(slugOf('20261203-134129-186_alice.md')).toBe('20261203-134129-186-alice');
    expect(slugOf('x'.repeat(200) + '.md')).toHaveLength(40);
  });
});
