// Finding collabs: the dashboard Spaces tagged agent-collab on the Hub, listed by `collab-desk sync collabs --discover`.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverCollabs } from '../../src/sync/collab-directory';
import { startHfBucketStandin, type HfBucketStandin } from '../helpers/hf-bucket-standin';
import { killSyncChildren, runSync, syncHome } from '../helpers/sync-cli';

let hf: HfBucketStandin;
const roots: string[] = [];

beforeAll(async () => {
  // Pages of two: the listing follows the Hub's Link header.
  hf = await startHfBucketStandin({ users: [], treePageSize: 2 });
  hf.addSpace({ id: 'gemma-challenge/gemma-dashboard', tags: ['agent-collab', 'docker'], likes: 120 });
  hf.addSpace({ id: 'someone/chat-demo', tags: ['gradio'], likes: 900 });
  hf.addSpace({ id: 'speed-org/Hutter_Prize.dash', tags: ['agent-collab'], likes: 7 });
  hf.addSpace({ id: 'lab/third', tags: ['agent-collab'], likes: 30 });
});
afterAll(async () => {
  killSyncChildren();
  await hf.close();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

describe('discovering collabs', () => {
  it('lists only Spaces tagged agent-collab, most liked first, each with the URL to connect to', async () => {
    const found = await discoverCollabs({ hfEndpoint: hf.url });
    expect(found.map((c) => [c.space, c.likes])).toEqual([
      ['gemma-challenge/gemma-dashboard', 120],
      ['lab/third', 30],
      ['speed-org/Hutter_Prize.dash', 7],
    ]);
    expect(found[2]!.url).toBe('https://speed-org-hutter-prize-dash.hf.space');
    // Two pages were read.
    expect(hf.requests.filter((r) => r.kind === 'spaces').length).toBe(2);
  });

  it('`sync collabs --discover` prints them and how to connect', async () => {
    const h = syncHome(hf.url);
    roots.push(h.root);
    const r = await runSync(['collabs', '--discover', '--data', h.data], h.env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'gemma-challenge/gemma-dashboard  https://gemma-challenge-gemma-dashboard.hf.space  120 likes',
    );
    expect(r.stdout).not.toContain('chat-demo');
    expect(r.stdout).toContain('connect one: collab-desk sync connect <its URL>');
  });

  it('says so when the Hub cannot be reached', async () => {
    const h = syncHome('http://127.0.0.1:9');
    roots.push(h.root);
    const r = await runSync(['collabs', '--discover', '--data', h.data], h.env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/could not list the Spaces tagged agent-collab on http:\/\/127\.0\.0\.1:9/);
  });
});
