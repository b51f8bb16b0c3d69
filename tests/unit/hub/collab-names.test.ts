// The public names a hub answers with (org, collab slug, buckets) and how the list grammar reads a public client's limit and order.
import { describe, expect, it } from 'vitest';
import { refAuthor } from '../../../src/hub/board';
import { agentBucket, centralBucket, collabSlug } from '../../../src/hub/collab-names';
import { pageLimit, pageOrder } from '../../../src/hub/list-query';
import { MAX_PAGE_LIMIT } from '../../../src/shared/api';

const named = (title: string, collab_slug = '', org = 'local') => ({ title, collab_slug, org });

describe('the collab slug', () => {
  it('is the configured one, else the title in the agent-id alphabet', () => {
    expect(collabSlug(named('Collab Desk', 'gemma'))).toBe('gemma');
    expect(collabSlug(named('Collab Desk'))).toBe('collab-desk');
    expect(collabSlug(named('  Café: Speed-Run #2! '))).toBe('cafe-speed-run-2');
    expect(collabSlug(named('Crème Résumé'))).toBe('creme-resume');
    expect(collabSlug(named('日本語'))).toBe('collab');
    // Short enough that "<slug>-<a 40-character agent id>" stays within the Hub's 96-character bucket names.
    expect(collabSlug(named('word '.repeat(30))).length).toBeLessThanOrEqual(55);
    expect(collabSlug(named('x'.repeat(63) + ' y'))).toMatch(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/);
  });

  it('names the central bucket and each agent bucket as the public collab does', () => {
    const config = named('Gemma', 'gemma', 'gemma-challenge');
    expect(centralBucket(config)).toBe('gemma-challenge/gemma-main-bucket');
    expect(agentBucket(config, 'alice')).toBe('gemma-challenge/gemma-alice');
  });
});

describe('a cited filename', () => {
  it('names its author: the stamped part, or the whole name of a registration', () => {
    expect(refAuthor('20250101-120000-000_alice.md')).toBe('alice');
    expect(refAuthor('human-ann.md')).toBe('human-ann');
    expect(refAuthor('20250101-120000-000_Not_An_Id.md')).toBeNull();
    expect(refAuthor('notes about it.md')).toBeNull();
  });
});

describe('limit and order from a public client', () => {
  it('clamps limit into one page instead of refusing it', () => {
    expect(pageLimit(undefined)).toBeUndefined();
    expect(pageLimit(25)).toBe(25);
    expect(pageLimit(MAX_PAGE_LIMIT + 1)).toBe(MAX_PAGE_LIMIT);
    expect(pageLimit(0)).toBe(MAX_PAGE_LIMIT);
    expect(pageLimit(-3)).toBe(MAX_PAGE_LIMIT);
  });

  it('reads desc in any case, anything else as asc, nothing as the list default', () => {
    expect(pageOrder(undefined, 'desc')).toBe('desc');
    expect(pageOrder('DESC', 'asc')).toBe('desc');
    expect(pageOrder('Asc', 'desc')).toBe('asc');
    expect(pageOrder('sideways', 'desc')).toBe('asc');
  });
});
