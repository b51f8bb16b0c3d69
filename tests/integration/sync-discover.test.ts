// Finding collabs: the dashboard Spaces tagged agent-collab on the Hub, listed by `collab-desk sync collabs --discover`
// and by the organizer's GET /v1/sync/discover (the dashboard's "Find collabs on the Hub").
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataLayout } from '../../src/platform/data-folder';
import type { SyncDiscoverList } from '../../src/shared/sync-api';
import { discoverCollabs } from '../../src/sync/collab-directory';
import { createSyncService, fileTokenVault } from '../../src/sync/sync-service';
import { startCollabStandin, type CollabStandin } from '../helpers/collab-standin';
import { startHfBucketStandin, type HfBucketStandin } from '../helpers/hf-bucket-standin';
import { spaceHostsFetch } from '../helpers/space-hosts.mjs';
import { killSyncChildren, runSync, syncHome } from '../helpers/sync-cli';
import { withHub } from '../helpers/with-hub';

const ADA = 'hf_ada_reads_gemma_challenge_discover_0001';
let hf: HfBucketStandin;
const roots: string[] = [];

beforeAll(async () => {
  // Pages of two: the listing follows the Hub's Link header.
  hf = await startHfBucketStandin({
    users: [{ name: 'ada', token: ADA, orgs: [{ name: 'gemma-challenge', role: 'write' }] }],
    treePageSize: 2,
  });
  hf.addSpace({
    id: 'gemma-challenge/gemma-dashboard',
    tags: ['agent-collab', 'docker'],
    likes: 120,
    title: 'Gemma speed challenge',
  });
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

describe('GET /v1/sync/discover', () => {
  const hub = withHub();
  let gemma: CollabStandin;
  let hfHome: string;
  let service: ReturnType<typeof createSyncService> | null = null;
  const org = () => ({ token: hub.organizerToken });
  const discover = () => hub.call<SyncDiscoverList>('GET', '/v1/sync/discover', org());
  const spacesAsked = () => hf.requests.filter((r) => r.kind === 'spaces');

  /** The real sync service on `endpoint`, the gemma dashboard Space's host answered by its stand-in. */
  async function attach(endpoint: string) {
    await service?.close();
    service = createSyncService({
      dataFolder: hub.dataDir,
      hfEndpoint: endpoint,
      record: hub.running.hub.outboxRecord,
      vault: fileTokenVault(dataLayout(hub.dataDir).hfLogin, { HF_HOME: hfHome } as NodeJS.ProcessEnv),
      fetch: spaceHostsFetch({ 'gemma-challenge-gemma-dashboard.hf.space': gemma.dashboardUrl }),
    });
    hub.running.attachSync(service);
    service.start();
  }

  beforeAll(async () => {
    hfHome = mkdtempSync(join(tmpdir(), 'collab-desk-hf-home-'));
    roots.push(hfHome);
    gemma = await startCollabStandin({ org: 'gemma-challenge', slug: 'gemma' });
    await attach(hf.url);
  });
  afterAll(async () => {
    await service?.close();
    await gemma?.close();
  });

  it("is the organizer's: an agent is refused, and the Hub is not asked", async () => {
    hf.reset();
    const agent = await hub.register('alice');
    const refused = await hub.call('GET', '/v1/sync/discover', { token: agent });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('NOT_ORGANIZER');
    expect((await hub.call('GET', '/v1/sync/discover')).body.error.code).toBe('UNAUTHORIZED');
    expect(spacesAsked()).toHaveLength(0);
  });

  it('reads every page, most liked first: title, Space id, likes, the dashboard URL that connects it', async () => {
    hf.reset();
    const r = await discover();
    expect(r.status, r.text).toBe(200);
    expect(r.body.collabs).toEqual([
      {
        space: 'gemma-challenge/gemma-dashboard',
        title: 'Gemma speed challenge',
        likes: 120,
        dashboard_url: 'https://gemma-challenge-gemma-dashboard.hf.space',
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        connected: false,
        collab: null,
      },
      expect.objectContaining({ space: 'lab/third', title: null, likes: 30, connected: false }),
      expect.objectContaining({
        space: 'speed-org/Hutter_Prize.dash',
        dashboard_url: 'https://speed-org-hutter-prize-dash.hf.space',
      }),
    ]);
    // Two pages of two, without a token (nobody is signed in).
    expect(spacesAsked()).toHaveLength(2);
    expect(spacesAsked().every((q) => !q.authorization)).toBe(true);
  });

  it('connects one by its dashboard URL, as a typed target, and marks it connected', async () => {
    const [first] = (await discover()).body.collabs;
    const connected = await hub.call('POST', '/v1/sync/collabs', { ...org(), body: { target: first!.dashboard_url } });
    expect(connected.status, connected.text).toBe(201);
    expect(connected.body).toMatchObject({
      id: 'gemma-challenge/gemma',
      api_url: gemma.apiUrl,
      dashboard_url: first!.dashboard_url,
    });
    const after = (await discover()).body.collabs;
    expect(after.map((c) => [c.space, c.connected, c.collab])).toEqual([
      ['gemma-challenge/gemma-dashboard', true, 'gemma-challenge/gemma'],
      ['lab/third', false, null],
      ['speed-org/Hutter_Prize.dash', false, null],
    ]);
  });

  it("signed in, asks with the person's token and lists their org's private Spaces too", async () => {
    hf.addSpace({ id: 'gemma-challenge/private-dash', tags: ['agent-collab'], likes: 50, private: true });
    hf.addSpace({ id: 'other-org/secret-dash', tags: ['agent-collab'], likes: 60, private: true });
    expect((await discover()).body.collabs.map((c) => c.space)).not.toContain('gemma-challenge/private-dash');
    expect((await hub.call('POST', '/v1/sync/login', { ...org(), body: { token: ADA } })).status).toBe(200);
    hf.reset();
    const spaces = (await discover()).body.collabs.map((c) => c.space);
    expect(spaces).toEqual([
      'gemma-challenge/gemma-dashboard',
      'gemma-challenge/private-dash',
      'lab/third',
      'speed-org/Hutter_Prize.dash',
    ]);
    expect(spacesAsked().length).toBeGreaterThan(0);
    expect(spacesAsked().every((q) => q.authorization)).toBe(true);
  });

  it('says when the Hub cannot be reached, and that a URL or org/slug still connects', async () => {
    await attach('http://127.0.0.1:9');
    const r = await hub.call('GET', '/v1/sync/discover', org());
    expect(r.status).toBe(502);
    expect(r.body.error.code).toBe('HF_UNREACHABLE');
    expect(r.body.error.message).toContain('could not list the Spaces tagged agent-collab on http://127.0.0.1:9');
    expect(r.body.error.hint).toContain("connecting by the collab's URL or org/slug still works");
    // The token never leaves in an answer.
    expect(r.text).not.toContain(ADA);
  });
});
