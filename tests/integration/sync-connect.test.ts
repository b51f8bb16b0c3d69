// Connecting to public collabs: by backend URL, dashboard URL or org/slug, their rules shown, several kept; and the HF token stays secret throughout.
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backendUrlFor, readDescription, resolveCollab } from '../../src/sync/collab-directory';
import { startCollabStandin, startNotACollab, type CollabStandin } from '../helpers/collab-standin';
import { startHfAuthStandin, type HfAuthStandin } from '../helpers/hf-auth-standin';
import { filesUnder, killSyncChildren, runSync, startSync, syncHome } from '../helpers/sync-cli';
import { withHub } from '../helpers/with-hub';

const RULES = '# Gemma speed challenge\n\nOnly TPS measured on the collab A10G ranks; PPL <= reference x 1.05.\n';
let hf: HfAuthStandin;
let gemma: CollabStandin;
let other: CollabStandin;
const roots: string[] = [];
const home = () => {
  const h = syncHome(hf.url);
  roots.push(h.root);
  return h;
};
const hub = withHub();

beforeAll(async () => {
  hf = await startHfAuthStandin();
  gemma = await startCollabStandin({ inviteUrl: 'https://huggingface.co/organizations/gemma-challenge/share/abc' });
  other = await startCollabStandin({
    org: 'speed-org',
    slug: 'hutter',
    scoreField: 'bpc',
    scoreOrder: 'asc',
    jobs: true,
  });
  hf.bucketFiles.set(gemma.centralBucket, new Map([['README.md', RULES]]));
  hf.bucketFiles.set(other.centralBucket, new Map([['README.md', '# Hutter\n\nLower bpc wins.\n']]));
});
afterEach(() => killSyncChildren());
afterAll(async () => {
  await Promise.all([hf.close(), gemma.close(), other.close()]);
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

describe('collab-desk sync connect', () => {
  it("by backend URL: reads GET /v1, shows score, jobs and the central bucket's README as its rules", async () => {
    const h = home();
    const r = await runSync(['connect', `${gemma.apiUrl}/v1/`, '--data', h.data], h.env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('connected: gemma-challenge/gemma');
    expect(r.stdout).toContain(`backend: ${gemma.apiUrl}\n`);
    expect(r.stdout).toContain('central bucket: gemma-challenge/gemma-main-bucket');
    expect(r.stdout).toContain('score: tps (tokens/s), higher is better');
    expect(r.stdout).toContain("jobs on the collab's hardware: no");
    expect(r.stdout).toContain('limits: not published in its GET /v1');
    expect(r.stdout).toContain('membership: not checked: not signed in (run `collab-desk sync login`');
    expect(r.stdout).toContain(`rules (${hf.url}/buckets/gemma-challenge/gemma-main-bucket/resolve/README.md):`);
    expect(r.stdout).toContain('Only TPS measured on the collab A10G ranks');
  });

  it('by dashboard URL: follows /api/config to the backend and keeps the invite link for non-members', async () => {
    const h = home();
    hf.addToken('hf_bob_token_55555', { name: 'bob', orgs: ['unrelated'] });
    const r = await runSync(
      ['connect', gemma.dashboardUrl, '--data', h.data],
      h.env({ HF_TOKEN: 'hf_bob_token_55555' }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('connected: gemma-challenge/gemma (Gemma speed challenge)');
    expect(r.stdout).toContain(`backend: ${gemma.apiUrl}\n`);
    expect(r.stdout).toContain(`dashboard: ${gemma.dashboardUrl}`);
    expect(r.stdout).toContain(
      'membership: bob is not a member of gemma-challenge, so cannot publish yet: ask for an invite: https://huggingface.co/organizations/gemma-challenge/share/abc',
    );
    const saved = JSON.parse(readFileSync(`${h.data}/sync/collabs.json`, 'utf8'));
    expect(saved.collabs).toHaveLength(1);
    expect(saved.collabs[0]).toMatchObject({ id: 'gemma-challenge/gemma', dashboard_url: gemma.dashboardUrl });
  });

  it('refuses what is not a collab, and a URL nobody answers, with the next step', async () => {
    const h = home();
    const notCollab = await startNotACollab();
    try {
      const r = await runSync(['connect', notCollab.url, '--data', h.data], h.env());
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${notCollab.url} is not a collab`);
      expect(r.stderr).toContain("give the collab's backend URL");
    } finally {
      await notCollab.close();
    }
    const gone = await runSync(['connect', notCollab.url, '--data', h.data], h.env());
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/could not be reached \(ECONNREFUSED\); check the URL/);
    const junk = await runSync(['connect', 'not a url', '--data', h.data], h.env());
    expect(junk.stderr).toContain('is neither a URL nor org/slug');
    const list = await runSync(['collabs', '--data', h.data], h.env());
    expect(list.stdout).toContain('no collab connected: collab-desk sync connect');
  });

  it('keeps several collabs; connecting one again refreshes it instead of adding it twice', async () => {
    const h = home();
    for (const url of [gemma.apiUrl, other.dashboardUrl, gemma.dashboardUrl]) {
      const r = await runSync(['connect', url, '--data', h.data], h.env());
      expect(r.code, r.stderr).toBe(0);
    }
    const list = await runSync(['collabs', '--data', h.data], h.env());
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`speed-org/hutter  ${other.apiUrl}  score bpc asc  jobs yes`);
    expect(lines[1]).toContain(`gemma-challenge/gemma  ${gemma.apiUrl}  score tps desc  jobs no`);
  });

  it("org/slug names the template's default backend Space; our own hub's GET /v1 reads as a collab", async () => {
    expect(backendUrlFor('gemma-challenge', 'gemma')).toBe('https://gemma-challenge-gemma-bucket-sync.hf.space');
    expect(backendUrlFor('My_Org', 'v1.2')).toBe('https://my-org-v1-2-bucket-sync.hf.space');
    // A Collab Desk hub speaks the public GET /v1, so it connects like a public collab; its rules are its own README.
    const described = await (await fetch(`${hub.url}/v1`)).json();
    const info = readDescription(described, hub.url);
    expect(typeof info, String(info)).toBe('object');
    const resolved = await resolveCollab(hub.url, { hfEndpoint: hf.url });
    expect(resolved).toMatchObject({ api_url: hub.url, product: 'collab-desk', docs: '/README.md' });
  });
});

describe('the Hugging Face token stays secret', () => {
  it('after login (device and pasted) and connect: in no data-folder file, no output, no URL', async () => {
    const h = home();
    const outputs: string[] = [];
    const device = startSync(['login', '--device', '--data', h.data], h.env());
    const [, userCode] = await device.line(/enter the code (\S+)/);
    hf.approve(userCode!, { name: 'carol', orgs: ['gemma-challenge'] });
    const d = await device.done;
    expect(d.code, d.stderr).toBe(0);
    outputs.push(d.stdout, d.stderr);
    const deviceToken = readFileSync(`${h.hfHome}/token`, 'utf8');

    for (const args of [
      ['whoami'],
      ['connect', gemma.dashboardUrl, '--data', h.data],
      ['connect', other.apiUrl, '--data', h.data],
      ['collabs', '--data', h.data],
    ]) {
      const r = await runSync(args, h.env());
      expect(r.code, r.stderr).toBe(0);
      outputs.push(r.stdout, r.stderr);
    }
    expect(outputs.join('\n')).toContain('carol is a member of gemma-challenge');

    hf.addToken('hf_pasted_secret_777', { name: 'carol', orgs: [] });
    const pasted = await runSync(['login', '--token-stdin', '--data', h.data], h.env(), 'hf_pasted_secret_777');
    expect(pasted.code, pasted.stderr).toBe(0);
    outputs.push(pasted.stdout, pasted.stderr);

    const files = filesUnder(h.data);
    expect(files.map((f) => f.path).sort()).toEqual([`${h.data}/sync/collabs.json`, `${h.data}/sync/hf-login.json`]);
    for (const secret of [deviceToken, 'hf_pasted_secret_777']) {
      for (const f of files) expect(f.text, f.path).not.toContain(secret);
      expect(outputs.join('\n')).not.toContain(secret);
      // It travels in the Authorization header only: never in a URL or a request body to anyone but the token endpoint.
      for (const r of hf.requests) expect(r.url).not.toContain(secret);
    }
  });
});
