// The models and settings routes against a real hub and a Hugging Face Hub stand-in: pulls with live progress, listing, disk use, deletes, refusals, saved agent defaults.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pullLockPath, repoFolder } from '../../src/bench/hf-cache';
import { createModelLibrary } from '../../src/bench/model-library';
import { parseNvidiaSmi } from '../../src/platform/gpu-probe';
import { processStamp, processStartTime } from '../../src/platform/process-alive';
import type { DownloadInfo, InstalledModel, ModelLibrary, ModelsInfo, SystemInfo } from '../../src/shared/models';
import type { SwarmControl, SwarmStatus } from '../../src/shared/swarm';
import { seededBytes, startHfStandin, type HfStandin } from '../helpers/hf-standin';
import { eventData, SseClient } from '../helpers/sse-client';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { writeHubPack } from '../helpers/test-pack';

const MB = 1024 * 1024;
const REPO = 'collab/tiny-gguf';
const Q8 = { file: 'tiny-Q8_0.gguf', bytes: seededBytes(3 * MB, 11) };
const Q4 = { file: 'tiny-Q4_0.gguf', bytes: seededBytes(1 * MB + 5, 12) };
const SLOW = { file: 'slow-F16.gguf', bytes: seededBytes(4 * MB, 13) };
const SOLO = { repo: 'collab/solo-gguf', file: 'solo.gguf', bytes: seededBytes(300_000, 14) };
/** A repo whose files come and go while one of them downloads. */
const PAIR = {
  repo: 'collab/pair-gguf',
  a: { file: 'a.gguf', bytes: seededBytes(200_000, 15) },
  b: { file: 'b.gguf', bytes: seededBytes(2 * MB, 16) },
  c: { file: 'c.gguf', bytes: seededBytes(3 * MB, 17) },
};
/** A repo whose one file meets a download lock another process left behind. */
const LOCKED = { repo: 'collab/locked-gguf', file: 'locked.gguf', bytes: seededBytes(200_000, 18) };
const TOKEN = 'hf_modelsRoutesTokenDoNotPrint';

let hf: HfStandin;
let root: string;
let cacheDir: string;
let hub: TestHub;
let agentToken: string;
let events: SseClient;
/** Every library the hub was given (one per start), so a test can read one after its hub closed. */
const libraries: ModelLibrary[] = [];

const models = async (): Promise<ModelsInfo> => (await hub.call<ModelsInfo>('GET', '/v1/models')).body;
const installedOf = (info: ModelsInfo, file: string): InstalledModel | undefined =>
  info.installed.find((m) => m.file === file);
const organizer = () => ({ token: hub.organizerToken });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'collab-desk-models-'));
  cacheDir = join(root, 'hf-cache');
  writeHubPack(join(root, 'packs'), REPO, { target: Q8.file, draft: Q4.file });
  hf = await startHfStandin({
    repos: {
      [REPO]: { files: { [Q8.file]: Q8.bytes, [Q4.file]: Q4.bytes, [SLOW.file]: SLOW.bytes } },
      [SOLO.repo]: { files: { [SOLO.file]: SOLO.bytes } },
      [PAIR.repo]: { files: { [PAIR.a.file]: PAIR.a.bytes, [PAIR.b.file]: PAIR.b.bytes, [PAIR.c.file]: PAIR.c.bytes } },
      [LOCKED.repo]: { files: { [LOCKED.file]: LOCKED.bytes } },
    },
    tokens: [TOKEN],
  });
  hub = await startTestHub({}, join(root, 'data'), {
    models: (dataDir) => {
      const library = createModelLibrary({
        dataDir,
        cacheDir,
        hubUrl: hf.url,
        accessToken: TOKEN,
        packsDir: join(root, 'packs'),
      });
      libraries.push(library);
      return library;
    },
  });
  agentToken = await hub.register('agent-a');
  events = await SseClient.connect(`${hub.url}/v1/events`);
});

afterAll(async () => {
  await events?.close();
  await hub?.stop();
  await hf?.close();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  hf.throttle(null);
  hf.reset();
});

describe('models', () => {
  it('says the hub manages models, and offers what the packs name with its size from the Hub', async () => {
    expect((await hub.call('GET', '/v1')).body.features.models).toBe(true);
    const info = await models();
    expect(info.installed).toEqual([]);
    expect(info.available.map((m) => [m.name, m.repo, m.file, m.bytes])).toEqual([
      ['tiny-q8', REPO, Q8.file, Q8.bytes.length],
      ['tiny-q4', REPO, Q4.file, Q4.bytes.length],
    ]);
    expect(info.hub_url).toBe(hf.url);
    expect(info.token).toBe(true);
    expect(info.disk.cache_dir).toBe(cacheDir);
    expect(info.disk.free_bytes).toBeGreaterThan(0);
    // The sizes came from HEAD requests that carried the token, as a pull's do; the CDN was never asked.
    const heads = hf.requests.filter((r) => r.method === 'HEAD');
    expect(heads.map((r) => [r.server, r.status, r.authorization])).toEqual([
      ['hub', 302, true],
      ['hub', 302, true],
    ]);
  });

  it('pulls a model with progress on the event stream, then lists it installed with its size', async () => {
    hf.throttle(6 * MB);
    events.cursor = events.received.length;
    const res = await hub.call('POST', '/v1/models/pull', { ...organizer(), body: { repo: REPO, file: Q8.file } });
    expect(res.status).toBe(202);
    const started = res.body.download as DownloadInfo;
    expect(started).toMatchObject({
      repo: REPO,
      file: Q8.file,
      revision: 'main',
      state: 'downloading',
      total: Q8.bytes.length,
    });

    const installedEvent = await events.waitFor((e) => e.type === 'model.installed', 'model.installed', 15_000);
    const progress = events.received
      .filter((e) => e.type === 'model.progress')
      .map((e) => eventData<DownloadInfo>(e))
      .filter((d) => d.id === started.id);
    // Passing news, never replayed: no event id.
    expect(events.received.find((e) => e.type === 'model.progress')!.id).toBeNull();
    expect(
      progress.some(
        (d) => d.state === 'downloading' && d.bytes > 0 && d.bytes < Q8.bytes.length && d.rate > 0 && d.eta_s !== null,
      ),
    ).toBe(true);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.bytes).toBeGreaterThanOrEqual(progress[i - 1]!.bytes);
    expect(progress.at(-1)).toMatchObject({ state: 'done', bytes: Q8.bytes.length, total: Q8.bytes.length });
    expect(installedEvent.id).not.toBeNull();
    expect(eventData(installedEvent)).toMatchObject({
      actor: 'human-organizer',
      target: `${REPO}/${Q8.file}`,
      detail: { download: started.id, bytes: Q8.bytes.length },
    });

    const info = await models();
    const model = installedOf(info, Q8.file)!;
    expect(model).toMatchObject({
      source: 'hf',
      repo: REPO,
      name: Q8.file,
      bytes: Q8.bytes.length,
      deletable: true,
      used_by: [],
      delete_warning: null,
      commit: hf.commitOf(REPO),
    });
    expect(readFileSync(model.path).equals(Q8.bytes)).toBe(true);
    expect(info.available.map((m) => m.file)).toEqual([Q4.file]);
    expect(info.downloads.find((d) => d.id === started.id)).toMatchObject({ state: 'done', path: model.path });
    // Disk use adds up: every installed model, nothing partial.
    expect(info.disk.models_bytes).toBe(info.installed.reduce((sum, m) => sum + m.bytes, 0));
    expect(info.disk.partial_bytes).toBe(0);
    expect(info.disk.free_bytes! + info.disk.models_bytes).toBeLessThanOrEqual(info.disk.disk_bytes!);
    // The pull's end measured the HF cache again (the first listing's figure is younger than the 30 s it keeps).
    expect(info.disk.hf_cache).toMatchObject({ path: cacheDir, note: null, same_disk: true });
    expect(info.disk.hf_cache.bytes).toBeGreaterThanOrEqual(Q8.bytes.length);
  });

  it('cancels a running download, keeps its bytes, and resumes from them on the next pull', async () => {
    hf.throttle(1 * MB);
    const res = await hub.call('POST', '/v1/models/pull', { ...organizer(), body: { repo: REPO, file: SLOW.file } });
    expect(res.status).toBe(202);
    const id = res.body.download.id as string;
    // The same file again joins the running download rather than starting a second one.
    const again = await hub.call('POST', '/v1/models/pull', { ...organizer(), body: { repo: REPO, file: SLOW.file } });
    expect(again.body.download.id).toBe(id);
    await expect
      .poll(async () => (await models()).downloads.find((d) => d.id === id)?.bytes ?? 0, { timeout: 5_000 })
      .toBeGreaterThan(0);

    events.cursor = events.received.length;
    const cancelled = await hub.call('DELETE', `/v1/models/downloads/${id}`, organizer());
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.download).toMatchObject({ id, state: 'cancelled' });
    expect(cancelled.body.download.error).toContain('pull again to resume');
    // Audited as a cancel by whoever cancelled it, not as a failure.
    const cancelledEvent = await events.waitFor((e) => e.type === 'model.cancelled', 'model.cancelled');
    expect(cancelledEvent.id).not.toBeNull();
    expect(eventData(cancelledEvent)).toMatchObject({
      actor: 'human-organizer',
      target: `${REPO}/${SLOW.file}`,
      detail: { download: id, pulled_by: 'human-organizer', reason: 'cancelled' },
    });
    expect(events.received.some((e) => e.type === 'model.failed')).toBe(false);
    const info = await models();
    expect(installedOf(info, SLOW.file)).toBeUndefined();
    expect(info.disk.partial_bytes).toBeGreaterThan(0);
    expect((await hub.call('DELETE', `/v1/models/downloads/${id}`, organizer())).body.error.code).toBe(
      'DOWNLOAD_FINISHED',
    );

    hf.throttle(null);
    hf.reset();
    const resumed = await hub.call('POST', '/v1/models/pull', {
      ...organizer(),
      body: { repo: REPO, file: SLOW.file },
    });
    expect(resumed.status).toBe(202);
    await expect
      .poll(async () => installedOf(await models(), SLOW.file)?.bytes, { timeout: 10_000 })
      .toBe(SLOW.bytes.length);
    const range = hf.requests.find((r) => r.server === 'cdn' && r.method === 'GET')?.range;
    expect(range).toBe(`bytes=${info.disk.partial_bytes}-`);
    expect((await models()).disk.partial_bytes).toBe(0);
  });

  it('deletes a downloaded model from the cache and answers the bytes freed', async () => {
    const model = installedOf(await models(), SLOW.file)!;
    events.cursor = events.received.length;
    const res = await hub.call('DELETE', `/v1/models/${model.id}`, organizer());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deleted: model.id, name: SLOW.file, freed_bytes: SLOW.bytes.length });
    expect(existsSync(model.path)).toBe(false);
    const deleted = await events.waitFor((e) => e.type === 'model.deleted', 'model.deleted');
    expect(eventData(deleted)).toMatchObject({
      target: `${REPO}/${SLOW.file}`,
      detail: { freed_bytes: SLOW.bytes.length },
    });
    const info = await models();
    expect(installedOf(info, SLOW.file)).toBeUndefined();
    // The other file of the repo is untouched.
    expect(readFileSync(installedOf(info, Q8.file)!.path).equals(Q8.bytes)).toBe(true);
    expect((await hub.call('DELETE', `/v1/models/${model.id}`, organizer())).body.error.code).toBe('MODEL_NOT_FOUND');
  });

  it('deleting the only file of a repo leaves nothing of the repo in the cache', async () => {
    expect(
      (await hub.call('POST', '/v1/models/pull', { ...organizer(), body: { repo: SOLO.repo, file: SOLO.file } }))
        .status,
    ).toBe(202);
    await expect
      .poll(async () => installedOf(await models(), SOLO.file)?.bytes, { timeout: 5_000 })
      .toBe(SOLO.bytes.length);
    const repoDir = join(cacheDir, 'models--collab--solo-gguf');
    expect(existsSync(join(repoDir, 'refs', 'main'))).toBe(true);
    const res = await hub.call('DELETE', `/v1/models/${installedOf(await models(), SOLO.file)!.id}`, organizer());
    expect(res.body.freed_bytes).toBe(SOLO.bytes.length);
    expect(existsSync(repoDir)).toBe(false);
    expect(existsSync(join(cacheDir, 'models--collab--tiny-gguf'))).toBe(true);
  });

  it('refuses bad pulls with a clear error: a bad repo name, a file the Hub does not have, anyone but the organizer', async () => {
    const bad = await hub.call('POST', '/v1/models/pull', {
      ...organizer(),
      body: { repo: 'not a repo', file: 'x.gguf' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({
      code: 'INVALID_BODY',
      message: expect.stringContaining('not a Hugging Face repo id'),
    });
    expect(bad.body.error.hint).toContain('owner/name');

    const missing = await hub.call('POST', '/v1/models/pull', {
      ...organizer(),
      body: { repo: REPO, file: 'nope-Q2_K.gguf' },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('MODEL_NOT_FOUND');
    expect(missing.body.error.message).toContain(`file nope-Q2_K.gguf not found in ${REPO}`);
    const noRepo = await hub.call('POST', '/v1/models/pull', {
      ...organizer(),
      body: { repo: 'collab/no-such-model', file: 'a.gguf' },
    });
    expect(noRepo.body.error).toMatchObject({
      code: 'MODEL_NOT_FOUND',
      message: expect.stringContaining('repository collab/no-such-model not found'),
    });
    // Nothing was listed for pulls that never started.
    expect(
      (await models()).downloads.filter((d) => d.file === 'nope-Q2_K.gguf' || d.repo === 'collab/no-such-model'),
    ).toEqual([]);

    const unknownField = await hub.call('POST', '/v1/models/pull', {
      ...organizer(),
      body: { repo: REPO, file: Q4.file, url: 'http://x' },
    });
    expect(unknownField.body.error.code).toBe('INVALID_BODY');
    expect(
      (await hub.call('POST', '/v1/models/pull', { token: agentToken, body: { repo: REPO, file: Q4.file } })).status,
    ).toBe(403);
    expect((await hub.call('POST', '/v1/models/pull', { body: { repo: REPO, file: Q4.file } })).status).toBe(401);
    const model = installedOf(await models(), Q8.file)!;
    expect((await hub.call('DELETE', `/v1/models/${model.id}`, { token: agentToken })).body.error.code).toBe(
      'NOT_ORGANIZER',
    );
    expect(existsSync(model.path)).toBe(true);

    // The access token reaches the Hub, and nothing else: no answer carries it.
    for (const text of [
      bad.text,
      missing.text,
      noRepo.text,
      JSON.stringify(await models()),
      (await hub.call('GET', '/v1/settings')).text,
    ])
      expect(text).not.toContain(TOKEN);
    expect(events.received.some((e) => e.data.includes(TOKEN))).toBe(false);
  });

  it('never deletes outside the cache or the data folder', async () => {
    // A snapshot planted in the cache that links to a file elsewhere.
    const outside = join(root, 'outside', 'precious.gguf');
    mkdirSync(join(root, 'outside'), { recursive: true });
    writeFileSync(outside, 'not yours to delete');
    const snap = join(cacheDir, 'models--evil--planted', 'snapshots', 'a'.repeat(40));
    mkdirSync(snap, { recursive: true });
    symlinkSync(outside, join(snap, 'planted.gguf'));

    const planted = (await models()).installed.find((m) => m.repo === 'evil/planted')!;
    expect(planted).toMatchObject({
      deletable: false,
      locked_reason: expect.stringContaining('outside the Hugging Face cache'),
    });
    const refused = await hub.call('DELETE', `/v1/models/${planted.id}?force=true`, organizer());
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('MODEL_NOT_DELETABLE');
    expect(readFileSync(outside, 'utf8')).toBe('not yours to delete');

    // Ids are names from the list, never paths.
    for (const id of ['..%2F..%2Foutside%2Fprecious.gguf', encodeURIComponent(outside)]) {
      const res = await hub.call('DELETE', `/v1/models/${id}`, organizer());
      expect(res.status).toBe(404);
    }
    expect(existsSync(outside)).toBe(true);
    rmSync(join(cacheDir, 'models--evil--planted'), { recursive: true });
  });

  it('asks before deleting a model the installed pack uses, and says what breaks', async () => {
    const dataDir = hub.dataDir;
    const target = join(dataDir, 'models', 'demo', 'target.gguf');
    mkdirSync(join(dataDir, 'models', 'demo'), { recursive: true });
    writeFileSync(target, seededBytes(200_000, 5));
    mkdirSync(join(dataDir, 'challenge'), { recursive: true });
    writeFileSync(
      join(dataDir, 'challenge', 'pack.json'),
      JSON.stringify({
        id: 'demo',
        title: 'Demo',
        models: {
          target: { role: 'target', source: { generated: 'demo/target.gguf' } },
          'tiny-q4': { role: 'draft', source: { hf: { repo: REPO, file: Q4.file } } },
        },
        baseline: { target: 'target' },
        model_paths: { target },
        installed_at: new Date().toISOString(),
      }),
    );

    const info = await models();
    const demo = info.installed.find((m) => m.path === target)!;
    expect(demo).toMatchObject({
      source: 'generated',
      bytes: 200_000,
      deletable: true,
      used_by: [{ kind: 'pack', label: 'demo pack: target (target)' }],
    });
    expect(demo.delete_warning).toContain('demo challenge pack uses it');
    // The installed pack needs a model that is not here: offered first in line.
    expect(info.available.find((m) => m.file === Q4.file)).toMatchObject({ needed: true });

    const refused = await hub.call('DELETE', `/v1/models/${demo.id}`, organizer());
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'MODEL_IN_USE', hint: expect.stringContaining('force=true') });
    expect(refused.body.error.message).toContain('its jobs and baseline fail');
    expect(existsSync(target)).toBe(true);
    const forced = await hub.call('DELETE', `/v1/models/${demo.id}?force=true`, organizer());
    expect(forced.body).toMatchObject({ deleted: demo.id, freed_bytes: 200_000 });
    expect(existsSync(target)).toBe(false);
    rmSync(join(dataDir, 'challenge'), { recursive: true });
  });

  it("the API's description says the installed pack's goal, and the next one's after the pack changes", async () => {
    const packFile = join(hub.dataDir, 'challenge', 'pack.json');
    mkdirSync(join(dirname(packFile), 'held-out'), { recursive: true });
    writeFileSync(
      join(dirname(packFile), 'held-out', 'set.json'),
      JSON.stringify({ pack: 'demo', source: 'organizer', drawn_at: 'now', prompts: [{ id: 'h1', text: 'Held' }] }),
    );
    const install = (goal: string) =>
      writeFileSync(
        packFile,
        JSON.stringify({
          id: 'demo',
          title: 'Demo',
          goal,
          models: { 'tiny-q4': { role: 'target', source: { hf: { repo: REPO, file: Q4.file } } } },
          baseline: { target: 'tiny-q4' },
          prompts: [
            { id: 'p1', split: 'public', text: 'Hello' },
            { id: 'p2', split: 'public', text: 'World' },
          ],
          gate: {},
          model_paths: {},
          private_set: 'held-out/set.json',
          installed_at: new Date().toISOString(),
        }),
      );
    const described = async () => {
      const doc = (await hub.call<{ info: { description: string } }>('GET', '/openapi.json')).body;
      const page = (await fetch(`${hub.url}/docs`).then((r) => r.text())).replaceAll('&#39;', "'");
      return { doc: doc.info.description, page };
    };
    try {
      install('Make the first pack fast');
      expect((await described()).doc).toContain('Make the first pack fast');
      // Another pack (another size of file, so the hub reads it again): the document and the page say its goal.
      install('Make the second, changed pack faster still');
      const after = await described();
      expect(after.doc).toContain('Make the second, changed pack faster still');
      expect(after.doc).not.toContain('Make the first pack fast');
      expect(after.page).toContain('Make the second, changed pack faster still');
    } finally {
      rmSync(dirname(packFile), { recursive: true, force: true });
    }
  });

  it("counts the agent defaults' model and the model the inference host has loaded as uses, and asks before deleting them", async () => {
    const q8 = installedOf(await models(), Q8.file)!;
    expect(q8.used_by).toEqual([]);
    // A link to the snapshot names the same bytes: still a use of this model.
    const alias = join(root, 'alias-q8.gguf');
    symlinkSync(q8.path, alias);
    expect(
      (await hub.call('PUT', '/v1/settings/agent-defaults', { ...organizer(), body: { kind: 'local', model: alias } }))
        .status,
    ).toBe(200);
    try {
      const listed = installedOf(await models(), Q8.file)!;
      expect(listed.used_by).toEqual([{ kind: 'defaults', label: 'agent defaults' }]);
      expect(listed.delete_warning).toContain('saved agent defaults');
      const refused = await hub.call('DELETE', `/v1/models/${q8.id}`, organizer());
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({
        code: 'MODEL_IN_USE',
        message: expect.stringContaining('saved agent defaults'),
        hint: expect.stringContaining('force=true'),
      });
      expect(readFileSync(q8.path).equals(Q8.bytes)).toBe(true);

      // The swarm's inference host (a stand-in for the seam: its status is all the models routes read).
      const status: SwarmStatus = {
        agents: [],
        inference: {
          state: 'ready',
          model: q8.path,
          backend: 'cpu',
          gpu: null,
          sequences: 1,
          busy: 0,
          queued: 0,
          url: null,
          rss_bytes: null,
          vram_bytes: null,
          per_agent: {},
          error: null,
        },
        paused_for_job: null,
        levers: {},
        sandbox: null,
      };
      const swarm: Pick<SwarmControl, 'status' | 'close'> = { status: () => status, close: async () => undefined };
      hub.running.hub.swarm = swarm as SwarmControl;
      try {
        expect(installedOf(await models(), Q8.file)!.used_by.map((u) => u.label)).toEqual([
          'loaded by the inference host',
          'agent defaults',
        ]);
        await hub.call('PUT', '/v1/settings/agent-defaults', { ...organizer(), body: {} });
        const inference = await hub.call('DELETE', `/v1/models/${q8.id}`, organizer());
        expect(inference.body.error).toMatchObject({
          code: 'MODEL_IN_USE',
          message: expect.stringContaining('inference host has it loaded'),
        });
        // A stopped host holds nothing.
        status.inference = { ...status.inference!, state: 'stopped' };
        expect(installedOf(await models(), Q8.file)!.used_by).toEqual([]);
      } finally {
        hub.running.hub.swarm = null;
      }
    } finally {
      await hub.call('PUT', '/v1/settings/agent-defaults', { ...organizer(), body: {} });
      rmSync(alias, { force: true });
    }
  });

  it('deleting one file of a repo while another file of it downloads keeps the repo whole for that download', async () => {
    const repoDir = join(cacheDir, 'models--collab--pair-gguf');
    expect(
      (await hub.call('POST', '/v1/models/pull', { ...organizer(), body: { repo: PAIR.repo, file: PAIR.a.file } }))
        .status,
    ).toBe(202);
    await expect
      .poll(async () => installedOf(await models(), PAIR.a.file)?.bytes, { timeout: 5_000 })
      .toBe(PAIR.a.bytes.length);

    hf.throttle(1 * MB);
    const pulling = await hub.call('POST', '/v1/models/pull', {
      ...organizer(),
      body: { repo: PAIR.repo, file: PAIR.b.file },
    });
    expect(pulling.body.download).toMatchObject({ state: 'downloading' });
    const a = installedOf(await models(), PAIR.a.file)!;
    const deleted = await hub.call('DELETE', `/v1/models/${a.id}`, organizer());
    expect(deleted.body).toMatchObject({ deleted: a.id, freed_bytes: PAIR.a.bytes.length });
    expect(existsSync(a.path)).toBe(false);
    expect(readFileSync(join(repoDir, 'refs', 'main'), 'utf8').trim()).toBe(hf.commitOf(PAIR.repo));

    hf.throttle(null);
    await expect
      .poll(async () => (await models()).downloads.find((d) => d.id === pulling.body.download.id)?.state, {
        timeout: 10_000,
      })
      .toBe('done');
    const info = await models();
    expect(installedOf(info, PAIR.a.file)).toBeUndefined();
    expect(installedOf(info, PAIR.b.file)).toMatchObject({
      bytes: PAIR.b.bytes.length,
      commit: hf.commitOf(PAIR.repo),
    });
    expect(readFileSync(installedOf(info, PAIR.b.file)!.path).equals(PAIR.b.bytes)).toBe(true);
    expect(readFileSync(join(repoDir, 'refs', 'main'), 'utf8').trim()).toBe(hf.commitOf(PAIR.repo));
  });

  it('joins a running pull only when it checks the same sha256', async () => {
    hf.throttle(1 * MB);
    const sha = hf.sha256Of(REPO, SLOW.file);
    const first = await hub.call('POST', '/v1/models/pull', {
      ...organizer(),
      body: { repo: REPO, file: SLOW.file, sha256: sha },
    });
    expect(first.status).toBe(202);
    const id = first.body.download.id as string;
    try {
      // No sha256, or the same one (in any case): the same download.
      expect(
        (await hub.call('POST', '/v1/models/pull', { ...organizer(), body: { repo: REPO, file: SLOW.file } })).body
          .download.id,
      ).toBe(id);
      expect(
        (
          await hub.call('POST', '/v1/models/pull', {
            ...organizer(),
            body: { repo: REPO, file: SLOW.file, sha256: sha.toUpperCase() },
          })
        ).body.download.id,
      ).toBe(id);
      // Another sha256: refused, rather than answered with bytes this caller did not ask for.
      const other = await hub.call('POST', '/v1/models/pull', {
        ...organizer(),
        body: { repo: REPO, file: SLOW.file, sha256: '0'.repeat(64) },
      });
      expect(other.status).toBe(409);
      expect(other.body.error).toMatchObject({
        code: 'DOWNLOAD_BUSY',
        message: expect.stringContaining(`to sha256 ${sha}`),
        hint: expect.stringContaining(`DELETE /v1/models/downloads/${id}`),
      });
      expect(
        (await models()).downloads.filter((d) => d.file === SLOW.file && d.state === 'downloading').map((d) => d.id),
      ).toEqual([id]);
    } finally {
      await hub.call('DELETE', `/v1/models/downloads/${id}`, organizer());
    }

    // A pull without a sha256 running: a caller who pins one waits for it rather than trusting it.
    const unpinned = await hub.call('POST', '/v1/models/pull', {
      ...organizer(),
      body: { repo: REPO, file: SLOW.file },
    });
    try {
      const pinned = await hub.call('POST', '/v1/models/pull', {
        ...organizer(),
        body: { repo: REPO, file: SLOW.file, sha256: sha },
      });
      expect(pinned.body.error).toMatchObject({
        code: 'DOWNLOAD_BUSY',
        message: expect.stringContaining('without an expected sha256'),
      });
    } finally {
      await hub.call('DELETE', `/v1/models/downloads/${unpinned.body.download.id}`, organizer());
    }
  });

  it('a download lock held by a live pull refuses a second pull; one whose pid another process got since is taken over', async (ctx) => {
    // The stamp tells a process by its pid and start time; where the system does not say start times, only the pid.
    if (processStartTime(process.pid) === null) ctx.skip();
    const lockFile = pullLockPath(repoFolder(cacheDir, LOCKED.repo), hf.sha256Of(LOCKED.repo, LOCKED.file));
    mkdirSync(dirname(lockFile), { recursive: true });
    const pull = () =>
      hub.call('POST', '/v1/models/pull', { ...organizer(), body: { repo: LOCKED.repo, file: LOCKED.file } });
    // This process (the hub's library runs in it) holds the lock: a second pull must wait.
    writeFileSync(lockFile, processStamp());
    const refused = await pull();
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('DOWNLOAD_BUSY');
    expect(refused.body.error.message).toContain(`another pull of ${LOCKED.repo}/${LOCKED.file} is running`);
    // The same pid with another start time: the pull that wrote it is gone and its pid went to this process since.
    writeFileSync(lockFile, `${process.pid} 1\n`);
    events.cursor = events.received.length;
    const taken = await pull();
    expect(taken.status).toBe(202);
    await events.waitFor(
      (e) =>
        e.type === 'model.installed' && eventData<{ target: string }>(e).target === `${LOCKED.repo}/${LOCKED.file}`,
      'model.installed',
      15_000,
    );
    expect(readFileSync(installedOf(await models(), LOCKED.file)!.path).equals(LOCKED.bytes)).toBe(true);
    expect(existsSync(lockFile)).toBe(false);
  });

  it('says a model removed since it was listed is not found, when two deletes of it race', async () => {
    const file = join(hub.dataDir, 'models', 'race', 'raced.gguf');
    mkdirSync(join(hub.dataDir, 'models', 'race'), { recursive: true });
    writeFileSync(file, seededBytes(100_000, 21));
    const generated = (await models()).installed.find((m) => m.path === file)!;
    const b = installedOf(await models(), PAIR.b.file)!;
    for (const model of [generated, b]) {
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => hub.call('DELETE', `/v1/models/${model.id}`, organizer())),
      );
      expect(answers.map((r) => r.status).sort()).toEqual([200, 404, 404, 404, 404, 404]);
      expect(answers.filter((r) => r.status === 404).every((r) => r.body.error.code === 'MODEL_NOT_FOUND')).toBe(true);
      expect(answers.find((r) => r.status === 200)!.body.freed_bytes).toBe(model.bytes);
    }
    expect(existsSync(file)).toBe(false);
    expect(existsSync(b.path)).toBe(false);
  });

  it('a blob that cannot be removed refuses the delete before its snapshot link is gone', async (ctx) => {
    expect(
      (await hub.call('POST', '/v1/models/pull', { ...organizer(), body: { repo: PAIR.repo, file: PAIR.a.file } }))
        .status,
    ).toBe(202);
    await expect
      .poll(async () => installedOf(await models(), PAIR.a.file)?.bytes, { timeout: 5_000 })
      .toBe(PAIR.a.bytes.length);
    const a = installedOf(await models(), PAIR.a.file)!;
    const blob = realpathSync(a.path);
    // The immutable flag makes unlink fail with EPERM, as Windows does for a file another program has open.
    try {
      execFileSync('chattr', ['+i', blob], { stdio: 'ignore' });
    } catch {
      ctx.skip();
    }
    try {
      const refused = await hub.call('DELETE', `/v1/models/${a.id}`, organizer());
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe(process.platform === 'win32' ? 'MODEL_IN_USE' : 'MODEL_NOT_DELETABLE');
      expect(refused.body.error.message).toContain(PAIR.a.file);
      // Nothing half-deleted: the model still loads from its snapshot path.
      expect(readFileSync(a.path).equals(PAIR.a.bytes)).toBe(true);
      expect(installedOf(await models(), PAIR.a.file)).toMatchObject({ id: a.id, bytes: PAIR.a.bytes.length });
    } finally {
      execFileSync('chattr', ['-i', blob], { stdio: 'ignore' });
    }
    expect((await hub.call('DELETE', `/v1/models/${a.id}`, organizer())).body.freed_bytes).toBe(PAIR.a.bytes.length);
  });

  it('refuses pulls with a clear error when HF_TOKEN cannot be sent, without quoting it', async () => {
    const badToken = 'hf_bad token\u00e9';
    const other = await startTestHub({}, undefined, {
      models: (dataDir) =>
        createModelLibrary({
          dataDir,
          cacheDir: join(root, 'bad-token-cache'),
          hubUrl: hf.url,
          accessToken: badToken,
          packsDir: null,
        }),
    });
    try {
      const res = await other.call('POST', '/v1/models/pull', {
        token: other.organizerToken,
        body: { repo: REPO, file: Q4.file },
      });
      expect(res.status).toBe(500);
      expect(res.body.error).toMatchObject({
        code: 'HF_TOKEN_INVALID',
        message: expect.stringContaining('HF_TOKEN is not a valid token'),
        hint: expect.stringContaining('environment'),
      });
      expect(res.text).not.toContain('hf_bad');
      expect((await other.call('GET', '/v1/models')).body.token).toBe(true);
    } finally {
      await other.stop(true);
    }
  });

  it('closing the hub mid-download cancels the pull cleanly, and the next hub resumes from its bytes', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      hf.throttle(1 * MB);
      const res = await hub.call('POST', '/v1/models/pull', {
        ...organizer(),
        body: { repo: PAIR.repo, file: PAIR.c.file },
      });
      expect(res.status).toBe(202);
      const id = res.body.download.id as string;
      await expect
        .poll(async () => (await models()).downloads.find((d) => d.id === id)?.bytes ?? 0, { timeout: 5_000 })
        .toBeGreaterThan(0);

      const closedLibrary = libraries.at(-1)!;
      await events.close();
      hub = await hub.restart();
      events = await SseClient.connect(`${hub.url}/v1/events`);
      const ended = (await closedLibrary.list()).downloads.find((d) => d.id === id)!;
      expect(ended).toMatchObject({ state: 'cancelled', error: expect.stringContaining('pull again to resume') });
      expect(ended.bytes).toBeGreaterThan(0);

      // The audit says the hub cancelled it as it closed.
      const replay = await SseClient.connect(`${hub.url}/v1/events`, { lastEventId: 0 });
      try {
        const note = await replay.waitFor(
          (e) => e.type === 'model.cancelled' && eventData(e).detail['download'] === id,
          'model.cancelled of the closed hub',
        );
        expect(eventData(note)).toMatchObject({
          actor: 'hub',
          target: `${PAIR.repo}/${PAIR.c.file}`,
          detail: { reason: 'the hub closed', pulled_by: 'human-organizer' },
        });
      } finally {
        await replay.close();
      }

      const partial = statSync(
        join(cacheDir, 'models--collab--pair-gguf', 'blobs', `${hf.sha256Of(PAIR.repo, PAIR.c.file)}.incomplete`),
      ).size;
      expect(partial).toBeGreaterThanOrEqual(ended.bytes);
      expect((await models()).disk.partial_bytes).toBeGreaterThanOrEqual(partial);
      hf.throttle(null);
      hf.reset();
      expect(
        (await hub.call('POST', '/v1/models/pull', { ...organizer(), body: { repo: PAIR.repo, file: PAIR.c.file } }))
          .status,
      ).toBe(202);
      await expect
        .poll(async () => installedOf(await models(), PAIR.c.file)?.bytes, { timeout: 10_000 })
        .toBe(PAIR.c.bytes.length);
      expect(hf.requests.find((r) => r.server === 'cdn' && r.method === 'GET')?.range).toBe(`bytes=${partial}-`);
      expect(readFileSync(installedOf(await models(), PAIR.c.file)!.path).equals(PAIR.c.bytes)).toBe(true);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('sizes before download, the fits hint and the disk bar', () => {
  const LFS = { file: 'moved-Q4_K_M.gguf', bytes: seededBytes(2 * MB + 3, 31) };
  const SMALL = { file: 'small.gguf', bytes: seededBytes(40_000, 32) };
  let sizes: HfStandin;
  let dir: string;
  let other: TestHub | null = null;

  /** A pack that names a file in a renamed repo (LFS), a small regular file, and a file the Hub does not have. */
  const writeSizesPack = (packs: string) => {
    mkdirSync(packs, { recursive: true });
    const hf = (repo: string, file: string) => ({ hf: { repo, file } });
    writeFileSync(
      join(packs, 'sizes.json'),
      JSON.stringify({
        id: 'sizes',
        title: 'Sizes pack',
        models: {
          moved: { role: 'target', source: hf('collab/old-name', LFS.file) },
          small: { role: 'draft', source: hf('collab/new-name', SMALL.file) },
          missing: { role: 'draft', source: hf('collab/new-name', 'nowhere.gguf') },
        },
        baseline: { target: 'moved' },
        prompts: [
          { id: 'p1', split: 'public', text: 'Hello' },
          { id: 'p2', split: 'public', text: 'World' },
        ],
        references: [{ prompt: 'Hello', reference: 'there' }],
        gate: {},
        private_prompts: {},
      }),
    );
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'collab-desk-sizes-'));
    writeSizesPack(join(dir, 'packs'));
    sizes = await startHfStandin({
      repos: {
        'collab/new-name': { files: { [LFS.file]: LFS.bytes, [SMALL.file]: { bytes: SMALL.bytes, lfs: false } } },
      },
      renamed: { 'collab/old-name': 'collab/new-name' },
    });
  });

  afterAll(async () => {
    await other?.stop();
    await sizes?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const startOn = async (hubUrl: string, data: string, cache: string) => {
    // The data folder stays: a later hub on it reads what this one remembered.
    await other?.stop();
    other = await startTestHub({}, data, {
      models: (dataDir) =>
        createModelLibrary({
          dataDir,
          cacheDir: cache,
          hubUrl,
          packsDir: join(dir, 'packs'),
          diskUsageMaxAgeMs: 0,
        }),
    });
    return other;
  };
  const list = async (h: TestHub): Promise<ModelsInfo> => {
    const res = await h.call<ModelsInfo>('GET', '/v1/models');
    expect(res.status).toBe(200);
    return res.body;
  };
  const byName = (info: ModelsInfo, name: string) => info.available.find((m) => m.name === name)!;
  const heads = () => sizes.requests.filter((r) => r.server === 'hub' && r.method === 'HEAD');

  it("asks the Hub for sizes with HEAD (a renamed repo's redirect, then the CDN's X-Linked-Size), says why one is unknown, and asks once", async () => {
    const h = await startOn(sizes.url, join(dir, 'data'), join(dir, 'hf-cache'));
    const info = await list(h);
    // LFS: 307 to the new name (followed), then a 302 to the CDN whose X-Linked-Size is the size; the CDN never asked.
    expect(byName(info, 'moved')).toMatchObject({ bytes: LFS.bytes.length, size_pending: false, size_note: null });
    // A regular file: 200 with its Content-Length.
    expect(byName(info, 'small')).toMatchObject({ bytes: SMALL.bytes.length, size_note: null });
    expect(byName(info, 'missing')).toMatchObject({
      bytes: null,
      size_pending: false,
      fit: null,
      size_note: expect.stringContaining('file nowhere.gguf not found in collab/new-name'),
    });
    expect(sizes.requests.filter((r) => r.server === 'cdn')).toEqual([]);
    expect(heads().map((r) => [r.path.split('/resolve/')[0], r.status])).toEqual(
      expect.arrayContaining([
        ['/collab/old-name', 307],
        ['/collab/new-name', 302],
        ['/collab/new-name', 200],
        ['/collab/new-name', 404],
      ]),
    );

    // The fits hint: an estimate from the size and this machine's memory, with its figures.
    const fit = byName(info, 'moved').fit!;
    const system = (await h.call('GET', '/v1/settings')).body.system as SystemInfo;
    expect(fit.ram_bytes).toBe(system.memory.total_bytes);
    expect(fit.needed_bytes).toBeGreaterThan(LFS.bytes.length);
    expect(fit.verdict).toBe(fit.vram_bytes !== null && fit.needed_bytes <= fit.vram_bytes ? 'vram' : 'ram');
    expect(fit.detail).toMatch(/needs about [\d.]+ (MiB|GiB) \(the 2\.0 MiB file plus the KV cache/);
    expect(fit.detail).toContain('RAM ');

    // Remembered: the next listing asks the Hub nothing, and neither does a hub started later on the same folder.
    sizes.reset();
    expect(byName(await list(h), 'moved').bytes).toBe(LFS.bytes.length);
    expect(byName(await list(h), 'missing').size_note).toContain('not found');
    expect(heads()).toEqual([]);
    const again = await startOn(sizes.url, join(dir, 'data'), join(dir, 'hf-cache'));
    const reread = await list(again);
    expect(byName(reread, 'moved').bytes).toBe(LFS.bytes.length);
    expect(byName(reread, 'small').bytes).toBe(SMALL.bytes.length);
    expect(heads().filter((r) => !r.path.includes('nowhere.gguf'))).toEqual([]);
  });

  it('offline, the sizes are unknown with why, and the listing still answers', async () => {
    const closed = createServer();
    const port = await new Promise<number>((r) =>
      closed.listen(0, '127.0.0.1', () => r((closed.address() as AddressInfo).port)),
    );
    await new Promise((r) => closed.close(r));
    const h = await startOn(`http://127.0.0.1:${port}`, join(dir, 'offline-data'), join(dir, 'offline-cache'));
    const info = await list(h);
    expect(info.available.map((m) => m.name).sort()).toEqual(['missing', 'moved', 'small']);
    for (const m of info.available) {
      expect(m).toMatchObject({ bytes: null, size_pending: false, fit: null });
      expect(m.size_note).toContain(`cannot reach 127.0.0.1:${port}: connection refused`);
    }
  });

  it("shows the data folder's use (models, runs, record) and the HF cache's, measured again when they change", async () => {
    const data = join(dir, 'disk-data');
    const cache = join(dir, 'disk-cache');
    const h = await startOn(sizes.url, data, cache);
    const before = (await list(h)).disk;
    expect(before.data).toMatchObject({ path: data, note: null, same_disk: true });
    expect(before.data.record_bytes).toBeGreaterThan(0);
    expect(before.hf_cache).toMatchObject({ path: cache, bytes: 0, note: null });

    // Files as a run, a generated model and a download leave them.
    mkdirSync(join(data, 'central', 'jobs', 'job-1'), { recursive: true });
    writeFileSync(join(data, 'central', 'jobs', 'job-1', 'trace.jsonl'), seededBytes(2 * MB, 41));
    mkdirSync(join(data, 'models', 'demo'), { recursive: true });
    writeFileSync(join(data, 'models', 'demo', 'notes.bin'), seededBytes(MB, 42));
    const blobs = join(cache, 'models--collab--x', 'blobs');
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, 'a'.repeat(64)), seededBytes(3 * MB, 43));
    // A snapshot link to the blob is not its bytes again.
    mkdirSync(join(cache, 'models--collab--x', 'snapshots', 'c'.repeat(40)), { recursive: true });
    symlinkSync(join(blobs, 'a'.repeat(64)), join(cache, 'models--collab--x', 'snapshots', 'c'.repeat(40), 'x.bin'));

    const after = (await list(h)).disk;
    expect(after.data.runs_bytes! - before.data.runs_bytes!).toBe(2 * MB);
    expect(after.data.models_bytes! - before.data.models_bytes!).toBe(MB);
    // The whole folder: what was written, give or take the hub's own database growing meanwhile.
    expect(Math.abs(after.data.bytes! - before.data.bytes! - 3 * MB)).toBeLessThan(256 * 1024);
    expect(after.hf_cache.bytes).toBe(3 * MB);
    expect(after.free_bytes).toBeGreaterThan(0);
  });
});

describe('settings', () => {
  it('shows the data folder, the machine and the agent defaults to anyone', async () => {
    const res = await hub.call('GET', '/v1/settings');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ data_dir: hub.dataDir, hub_url: hub.url, agent_defaults: {} });
    const system = res.body.system;
    expect(system.cpu.cores).toBeGreaterThan(0);
    expect(system.memory.total_bytes).toBeGreaterThan(0);
    expect(typeof system.backend.reason).toBe('string');
    expect(['detecting', 'ready']).toContain(system.gpu.state);
    await expect
      .poll(async () => (await hub.call('GET', '/v1/settings')).body.system.gpu.state, { timeout: 8_000 })
      .toBe('ready');
  });

  it('saves agent defaults for the organizer, kept across a restart; a bad body is refused with a hint', async () => {
    const defaults = { count: 3, kind: 'local', role: 'tuner', budget_tokens: 50_000, jobs_per_day: 4, max_steps: 200 };
    const saved = await hub.call('PUT', '/v1/settings/agent-defaults', { ...organizer(), body: defaults });
    expect(saved.status).toBe(200);
    expect(saved.body.agent_defaults).toEqual(defaults);

    for (const body of [
      { count: 0 },
      { role: 'boss' },
      { colour: 'blue' },
      { kind: 'local', command: 'my-agent' },
      { kind: 'external' },
    ]) {
      const res = await hub.call('PUT', '/v1/settings/agent-defaults', { ...organizer(), body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_BODY');
      expect(res.body.error.hint).toBeTruthy();
    }
    expect(
      (await hub.call('PUT', '/v1/settings/agent-defaults', { token: agentToken, body: { count: 1 } })).status,
    ).toBe(403);

    await events.close();
    hub = await hub.restart();
    events = await SseClient.connect(`${hub.url}/v1/events`);
    expect((await hub.call('GET', '/v1/settings')).body.agent_defaults).toEqual(defaults);
    // The pulled model is still there after the restart too.
    expect(installedOf(await models(), Q8.file)?.bytes).toBe(Q8.bytes.length);
  });

  it('reads the GPU and its memory from nvidia-smi', () => {
    expect(parseNvidiaSmi('NVIDIA H100 80GB HBM3, 81559, 80991\nNVIDIA GeForce RTX 4090, 24564, [N/A]\n')).toEqual([
      { name: 'NVIDIA H100 80GB HBM3', vram_bytes: 81559 * MB, vram_free_bytes: 80991 * MB },
      { name: 'NVIDIA GeForce RTX 4090', vram_bytes: 24564 * MB, vram_free_bytes: null },
    ]);
    expect(parseNvidiaSmi('')).toEqual([]);
  });

  it('a hub without the model library says so instead of failing', async () => {
    const plain = await startTestHub();
    try {
      expect((await plain.call('GET', '/v1')).body.features.models).toBe(false);
      expect((await plain.call('GET', '/v1/models')).body.error.code).toBe('MODELS_DISABLED');
      expect((await plain.call('GET', '/v1/settings')).body).toMatchObject({ system: null, agent_defaults: {} });
    } finally {
      await plain.stop(true);
    }
  });
});
