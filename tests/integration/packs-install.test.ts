// Installing a shipped pack from the dashboard (GET /v1/packs, POST /v1/packs/install): the real installer on a real
// hub; the demo installs with nothing downloaded, a pack that downloads needs the user's yes; the welcome's flag.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPackInstaller } from '../../src/bench/pack-installer';
import { dataLayout } from '../../src/platform/data-folder';
import type { PackInstall, PacksInfo } from '../../src/shared/packs-api';
import { SseClient, eventData } from '../helpers/sse-client';
import { startTestHub, type TestHub } from '../helpers/test-hub';

let hub: TestHub;
let bare: TestHub;
let alice: string;

beforeAll(async () => {
  hub = await startTestHub({}, undefined, {
    packs: (dir) =>
      createPackInstaller({
        dest: dataLayout(dir).challengePack,
        modelsDir: dataLayout(dir).models,
        workDir: join(dir, 'tmp'),
        // A Hub that is never reached: the only pack these tests install makes its models here.
        hubUrl: 'http://127.0.0.1:9',
      }),
  });
  bare = await startTestHub();
  alice = await hub.register('alice');
});

afterAll(async () => {
  await hub?.stop(true);
  await bare?.stop(true);
});

describe('shipped packs from the dashboard', () => {
  it('lists the shipped packs, the demo first (made here) and the gemma pack (downloads), none installed', async () => {
    const res = await hub.call<PacksInfo>('GET', '/v1/packs');
    expect(res.status).toBe(200);
    const ids = res.body.packs.map((p) => p.id);
    expect(ids[0]).toBe('demo');
    expect(ids).toContain('gemma');
    const demo = res.body.packs.find((p) => p.id === 'demo')!;
    const gemma = res.body.packs.find((p) => p.id === 'gemma')!;
    expect(demo).toMatchObject({ downloads: false, installed: false });
    expect(demo.models.every((m) => m.source === 'generated')).toBe(true);
    expect(gemma.downloads).toBe(true);
    expect(gemma.models.find((m) => m.role === 'target')).toMatchObject({
      source: 'hf',
      repo: 'unsloth/gemma-4-E4B-it-GGUF',
    });
    expect(res.body.install.state).toBe('idle');
  });

  it('a pack that downloads is refused without the yes, naming what it would download; nothing starts', async () => {
    const res = await hub.call('POST', '/v1/packs/install', {
      token: hub.organizerToken,
      body: { pack: 'gemma' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('DOWNLOADS_NOT_ACCEPTED');
    expect(res.body.error.message).toContain('unsloth/gemma-4-E4B-it-GGUF/');
    expect(res.body.error.hint).toContain('"downloads": true');
    expect((await hub.call<PacksInfo>('GET', '/v1/packs')).body.install.state).toBe('idle');
  });

  it('only the organizer installs; an unknown pack names the shipped ones', async () => {
    const asAgent = await hub.call('POST', '/v1/packs/install', { token: alice, body: { pack: 'demo' } });
    expect(asAgent.status).toBe(403);
    const unknown = await hub.call('POST', '/v1/packs/install', {
      token: hub.organizerToken,
      body: { pack: 'nope' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('no shipped pack "nope"');
    expect(unknown.body.error.hint).toMatch(/demo.*gemma|gemma.*demo/);
  });

  it('installs the demo pack in the background: progress to the organizer, then the hub hosts it', async () => {
    const events = await SseClient.connect(`${hub.url}/v1/events`, {
      headers: { authorization: `Bearer ${hub.organizerToken}` },
    });
    const agentEvents = await SseClient.connect(`${hub.url}/v1/events`, {
      headers: { authorization: `Bearer ${alice}` },
    });
    try {
      const started = await hub.call<PackInstall>('POST', '/v1/packs/install', {
        token: hub.organizerToken,
        body: { pack: 'demo' },
      });
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ state: 'installing', pack: 'demo', error: null });

      const busy = await hub.call('POST', '/v1/packs/install', { token: hub.organizerToken, body: { pack: 'demo' } });
      expect(busy.status).toBe(409);
      expect(busy.body.error.code).toBe('INSTALL_BUSY');

      const ended = await events.waitFor(
        (e) => e.type === 'pack.install' && eventData<PackInstall>(e).state !== 'installing',
        'the install to end',
        240_000,
      );
      expect(eventData<PackInstall>(ended)).toMatchObject({ state: 'installed', pack: 'demo', error: null });
      // What it did on the way, in words.
      const steps = events.received
        .filter((e) => e.type === 'pack.install')
        .map((e) => eventData<PackInstall>(e).step ?? '');
      expect(steps.some((s) => s.includes('generating the demo models'))).toBe(true);
      expect(steps.some((s) => s.startsWith('calibrating'))).toBe(true);
      // Install progress names the organizer's doings: agents' readers never get it.
      expect(agentEvents.received.some((e) => e.type === 'pack.install')).toBe(false);
    } finally {
      await events.close();
      await agentEvents.close();
    }
    const challenge = await hub.call('GET', '/v1/challenge');
    expect(challenge.status).toBe(200);
    expect(challenge.body.id).toBe('demo');
    const packs = await hub.call<PacksInfo>('GET', '/v1/packs');
    expect(packs.body.packs.find((p) => p.id === 'demo')!.installed).toBe(true);
    expect(packs.body.install.state).toBe('installed');
    expect(existsSync(join(hub.dataDir, 'models', 'demo'))).toBe(true);
  }, 300_000);

  it('a hub that installs no packs says so, and how to install one', async () => {
    const res = await bare.call('GET', '/v1/packs');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('PACKS_DISABLED');
    expect(res.body.error.hint).toContain('collab-desk challenge init demo');
  });
});

describe('the first-start welcome', () => {
  it('is unread on a new data folder; the organizer marks it read once, and it stays read', async () => {
    expect((await hub.call('GET', '/v1/settings')).body.welcome_seen_at).toBeNull();
    expect((await hub.call('PUT', '/v1/settings/welcome', { token: alice, body: {} })).status).toBe(403);
    const seen = await hub.call('PUT', '/v1/settings/welcome', { token: hub.organizerToken, body: {} });
    expect(seen.status).toBe(200);
    expect(Date.parse(seen.body.welcome_seen_at)).not.toBeNaN();
    const again = await hub.call('PUT', '/v1/settings/welcome', { token: hub.organizerToken, body: {} });
    expect(again.body.welcome_seen_at).toBe(seen.body.welcome_seen_at);
    expect((await hub.call('GET', '/v1/settings')).body.welcome_seen_at).toBe(seen.body.welcome_seen_at);
  });
});
