// Diversity by design: which levers a config works, fresh directions for new agents, and moving agents off a crowd.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from 'typebox/value';
import { LeverBalancer } from '../../../src/agents/lever-balancer';
import { movableLevers } from '../../../src/agents/tools/agent-tools';
import { publicPack } from '../../../src/hub/challenge';
import { ChallengePack, type ChallengeInfo } from '../../../src/shared/challenge';
import { LEVERS, leversOf } from '../../../src/shared/levers';
import { checkRunConfig } from '../../../src/shared/run-config-check';

const baseline = checkRunConfig({ target: 'target', ctx_size: 1024 }).config!;
const filled = (c: Record<string, unknown>) => checkRunConfig({ ctx_size: 1024, ...c }).config!;

describe('the lever map', () => {
  it('names the levers a config moves relative to the baseline, and none for the baseline itself', () => {
    expect(leversOf(baseline, baseline)).toEqual([]);
    expect(
      leversOf(filled({ target: 'target', spec_type: 'draft', draft: 'draft-q8', draft_n_max: 8 }), baseline).sort(),
    ).toEqual(['draft-depth', 'drafter']);
    expect(leversOf(filled({ target: 'target', spec_type: 'ngram' }), baseline)).toEqual(['ngram']);
    expect(leversOf(filled({ target: 'target', cache_type_k: 'q8_0', flash_attn: 'on' }), baseline).sort()).toEqual([
      'flash-attn',
      'kv-cache',
    ]);
    expect(leversOf(filled({ target: 'target-q4' }), baseline)).toEqual(['quantization']);
  });
});

describe('the lever balancer', () => {
  it('gives each new agent the least-taken lever, the big levers first', () => {
    const b = new LeverBalancer();
    const directions: string[] = [];
    for (let i = 0; i < LEVERS.length + 2; i++) directions.push(b.freshDirection(directions));
    expect(directions.slice(0, 3)).toEqual(['drafter', 'draft-depth', 'quantization']);
    // Every lever is taken once before any is taken twice.
    expect(new Set(directions.slice(0, LEVERS.length)).size).toBe(LEVERS.length);
    expect(directions.slice(LEVERS.length)).toEqual(['drafter', 'draft-depth']);
  });

  it('moves the agent that just joined a crowded lever back to its own quiet one, or to the least-taken', () => {
    const b = new LeverBalancer();
    const directions = new Map([
      ['a', 'drafter'],
      ['b', 'draft-depth'],
      ['c', 'quantization'],
    ]);
    // Three agents: each lever's share is one agent.
    expect(b.record('a', ['drafter'], directions)).toBeNull();
    const move = b.record('b', ['drafter'], directions);
    expect(move).toMatchObject({ agent: 'b', from: 'draft-depth', to: 'draft-depth' });
    expect(move!.reason).toMatch(
      /2 agents' latest jobs all work drafter choice; go back to your own direction draft depth/,
    );
    // c's own lever is crowded too (a and c both work quantization): it is sent to a lever nobody holds.
    b.record('a', ['quantization'], directions);
    const away = b.record('c', ['quantization', 'drafter'], directions);
    expect(away!.to).not.toMatch(/^(drafter|draft-depth|quantization)$/);
    expect(b.counts()).toMatchObject({ quantization: 2, drafter: 2 });
  });

  it('leaves an agent on its own lever alone, however many others visit it', () => {
    const b = new LeverBalancer();
    const directions = new Map([
      ['a', 'ngram'],
      ['b', 'drafter'],
      ['c', 'kv-cache'],
    ]);
    b.record('b', ['ngram'], directions);
    expect(b.record('a', ['ngram'], directions)).toBeNull();
  });
});

/** A shipped pack as the hub describes it to agents (GET /v1/challenge). */
function shippedChallenge(file: string, patch: Partial<ChallengePack> = {}): ChallengeInfo {
  const raw = JSON.parse(readFileSync(join(__dirname, '../../../resources/packs', file), 'utf8')) as unknown;
  const pack = { ...(Value.Default(ChallengePack, raw) as ChallengePack), ...patch };
  return {
    ...publicPack({ ...pack, installed_at: 'now', model_paths: {} }),
    baseline_result: null,
    baseline_job: null,
    ppl_cap: null,
    example_job: { config: {}, method: '', description: '' },
  };
}

describe('the levers a pack lets jobs move', () => {
  it('the demo pack: not quantization (one target) nor the context (the pack fixes it); every other lever', () => {
    const movable = movableLevers(shippedChallenge('demo.json'));
    expect(movable).not.toContain('quantization');
    expect(movable).not.toContain('context');
    expect(movable.sort()).toEqual(
      ['batching', 'draft-depth', 'drafter', 'flash-attn', 'kv-cache', 'ngram', 'offload'].sort(),
    );
  });

  it('a second target makes quantization a lever; a pack fixing every offload setting removes offload', () => {
    const demo = shippedChallenge('demo.json');
    const twoTargets = {
      ...demo,
      models: { ...demo.models, 'target-q8': { role: 'target' as const, description: 'Q8_0 target' } },
    };
    expect(movableLevers(twoTargets)).toContain('quantization');
    const fixed = {
      ...demo,
      defaults: { ...demo.defaults, gpu_layers: -1, draft_gpu_layers: -1, threads: 4, draft_threads: 4, poll: 0 },
    };
    expect(movableLevers(fixed)).not.toContain('offload');
  });

  it('the balancer never assigns a lever the pack cannot vary, to a new agent or to one it moves', () => {
    const b = new LeverBalancer();
    b.movable = movableLevers(shippedChallenge('demo.json'));
    const directions: string[] = [];
    for (let i = 0; i < 20; i++) directions.push(b.freshDirection(directions));
    expect(directions.slice(0, 3)).toEqual(['drafter', 'draft-depth', 'ngram']);
    expect(directions).not.toContain('quantization');
    expect(directions).not.toContain('context');
    const live = new Map([
      ['a', 'drafter'],
      ['b', 'draft-depth'],
      ['c', 'ngram'],
    ]);
    b.record('a', ['kv-cache'], live);
    b.record('b', ['kv-cache'], live);
    const moved = b.record('c', ['kv-cache', 'ngram', 'drafter', 'draft-depth'], live);
    expect(moved).not.toBeNull();
    expect(b.movable).toContain(moved!.to);
  });
});
