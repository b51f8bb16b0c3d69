// What a `source` names: a bare path in the caller's scratch folder, or a file in an agent's bucket (hf://buckets/...).
import { describe, expect, it } from 'vitest';
import type { HubConfig } from '../../../src/shared/config';
import { agentOfSource, parseBucketSource, scratchPathOf } from '../../../src/hub/bucket-source';
import { defaultHubConfig } from '../../../src/hub/hub-config';

const config: HubConfig = { ...defaultHubConfig(), org: 'gemma-challenge', collab_slug: 'gemma' };
const hub = { config };
const alice = { kind: 'agent', handle: 'alice' } as const;
const organizer = { kind: 'organizer', handle: 'human-organizer' } as const;

function refusal(fn: () => unknown): { code: string; message: string; hint: string } {
  try {
    fn();
  } catch (err) {
    return err as { code: string; message: string; hint: string };
  }
  throw new Error('expected a refusal');
}

describe('scratchPathOf', () => {
  it('keeps a bare path as the path in the caller’s scratch folder', () => {
    expect(scratchPathOf(hub, alice, 'notes/plan.md')).toBe('notes/plan.md');
    expect(scratchPathOf(hub, alice, 'runs/exp-3/')).toBe('runs/exp-3/');
  });

  it('reads hf://buckets/<org>/<slug>-<agent>/<path> as <path> in that agent’s scratch folder', () => {
    expect(scratchPathOf(hub, alice, 'hf://buckets/gemma-challenge/gemma-alice/notes/plan.md')).toBe('notes/plan.md');
    expect(scratchPathOf(hub, alice, 'hf://buckets/gemma-challenge/gemma-alice/runs/exp-3/')).toBe('runs/exp-3/');
  });

  it('refuses another agent’s bucket with 403 BUCKET_NOT_OWNED_BY_CALLER, naming the caller’s own', () => {
    const err = refusal(() => scratchPathOf(hub, alice, 'hf://buckets/gemma-challenge/gemma-bob/notes/plan.md'));
    expect(err.code).toBe('BUCKET_NOT_OWNED_BY_CALLER');
    expect(err.hint).toContain('hf://buckets/gemma-challenge/gemma-alice/');
    expect(refusal(() => scratchPathOf(hub, organizer, 'hf://buckets/gemma-challenge/gemma-bob/a.md')).code).toBe(
      'BUCKET_NOT_OWNED_BY_CALLER',
    );
  });

  it.each([
    ['another org', 'hf://buckets/someone-else/gemma-alice/a.md'],
    ['another collab', 'hf://buckets/gemma-challenge/other-alice/a.md'],
    ['the central bucket’s form with no agent id', 'hf://buckets/gemma-challenge/gemma-/a.md'],
    ['an agent id that is not one', 'hf://buckets/gemma-challenge/gemma-Alice/a.md'],
    ['a repo instead of a bucket', 'hf://datasets/gemma-challenge/gemma-alice/a.md'],
    ['no bucket at all', 'hf://buckets/gemma-challenge'],
    ['another scheme', 's3://gemma-challenge/gemma-alice/a.md'],
  ])('refuses %s with 400 INVALID_PATH and a hint showing this hub’s bucket prefix', (_what, source) => {
    const err = refusal(() => scratchPathOf(hub, alice, source));
    expect(err.code).toBe('INVALID_PATH');
    expect(err.hint).toContain('gemma-challenge/gemma-<agent>');
    expect(err.hint).toContain('hf://buckets/gemma-challenge/gemma-alice/<path>');
  });

  it('follows the slug derived from the title when none is configured', () => {
    const derived = { config: { ...defaultHubConfig(), title: 'Speed Run' } };
    expect(scratchPathOf(derived, alice, 'hf://buckets/local/speed-run-alice/a.md')).toBe('a.md');
  });
});

describe('the agent a source proves', () => {
  it('is the bucket’s owner for a hf:// source, and nobody for a bare path', () => {
    expect(agentOfSource(config, 'hf://buckets/gemma-challenge/gemma-bob/notes/x.md')).toBe('bob');
    expect(agentOfSource(config, 'notes/x.md')).toBeNull();
    expect(parseBucketSource(config, 'hf://buckets/gemma-challenge/gemma-bob')).toEqual({ agent: 'bob', path: '' });
  });

  it('reads an agent id with dashes after the slug, as the public collab does', () => {
    expect(agentOfSource(config, 'hf://buckets/gemma-challenge/gemma-local-3/a.md')).toBe('local-3');
  });
});
