// A pack's file pulled from the Models panel (POST /v1/models/pull) is held as `models pull <name>` holds it: its
// architecture checked before the download, its hash recorded at first download and held to after, a changed file
// taken only on purpose (accept_new_hash).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GgufWriter } from '../../src/bench/gguf/gguf-writer';
import { writeGemma4Pair } from '../../src/bench/gguf/tiny-gemma4';
import { createModelLibrary } from '../../src/bench/model-library';
import type { ModelsInfo } from '../../src/shared/models';
import { startHfStandin, type HfStandin } from '../helpers/hf-standin';
import { startTestHub, type TestHub } from '../helpers/test-hub';

const REPO = 'unsloth/gemma-4-E4B-it-GGUF';
const Q4 = 'gemma-4-E4B-it-Q4_K_M.gguf';
const DRAFTER = 'mtp-gemma-4-E4B-it.gguf';

let dir: string;
let standin: HfStandin;
/** The same repo once its publisher re-uploaded the Q4 file: another sha256 under the same name. */
let changed: HfStandin;
let hub: TestHub;
/** Where the hub's model library pulls from, and into which cache: the hub reads them at each (re)start. */
let library: { hubUrl: string; cacheDir: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'collab-desk-panel-pins-'));
  const pair = await writeGemma4Pair(join(dir, 'gen'), { seed: 11 });
  // Another fork's conversion of the drafter: its header declares gemma4_mtp, which mainline llama.cpp does not load.
  const forked = Buffer.from(
    new GgufWriter().setString('general.architecture', 'gemma4_mtp').setString('general.name', 'fork').header(),
  );
  standin = await startHfStandin({
    repos: { [REPO]: { files: { [Q4]: readFileSync(pair.target), [DRAFTER]: forked } } },
  });
  const other = await writeGemma4Pair(join(dir, 'gen-other'), { seed: 12 });
  changed = await startHfStandin({
    repos: { [REPO]: { files: { [Q4]: readFileSync(other.target), [DRAFTER]: forked } } },
  });
  library = { hubUrl: standin.url, cacheDir: join(dir, 'hf-cache') };
  hub = await startTestHub({}, join(dir, 'data'), {
    models: (data) => createModelLibrary({ dataDir: data, ...library }),
  });
}, 60_000);

afterAll(async () => {
  await hub?.stop(true);
  await standin?.close();
  await changed?.close();
  rmSync(dir, { recursive: true, force: true });
});

const pull = (file: string, extra: Record<string, unknown> = {}, token = hub.organizerToken) =>
  hub.call('POST', '/v1/models/pull', { token, body: { repo: REPO, file, ...extra } });

const recordPath = () => join(hub.dataDir, 'models', 'first-download-hashes.json');
const recordedSha = () =>
  (JSON.parse(readFileSync(recordPath(), 'utf8')) as { files: Record<string, { sha256: string }> }).files[
    `${REPO}/${Q4}@main`
  ]?.sha256;

/** Points the hub's library at another Hub and an empty cache (the file deleted to free space, another machine's cache). */
async function restartAgainst(hf: HfStandin, cache: string): Promise<void> {
  library = { hubUrl: hf.url, cacheDir: join(dir, cache) };
  hub = await hub.restart();
  hf.reset();
}

async function installedFrom(file: string): Promise<void> {
  await expect
    .poll(async () => (await hub.call<ModelsInfo>('GET', '/v1/models')).body.installed.some((m) => m.file === file), {
      timeout: 60_000,
    })
    .toBe(true);
}

describe('a pack file pulled from the Models panel', () => {
  it("is refused before its download when it declares another architecture than the pack's", async () => {
    const res = await pull(DRAFTER);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('MODEL_MISMATCH');
    expect(res.body.error.message).toContain('"gemma4_mtp"');
    expect(res.body.error.message).toContain('gemma4-assistant');
    // Refused on its first bytes, before a download started: nothing of it is installed, no download is listed.
    const listed = (await hub.call<ModelsInfo>('GET', '/v1/models')).body;
    expect(listed.installed.some((m) => m.file === DRAFTER)).toBe(false);
    expect(listed.downloads.some((d) => d.file === DRAFTER)).toBe(false);
  });

  it('has its hash recorded at its first download, as the pack holds it', async () => {
    const res = await pull(Q4);
    expect(res.status).toBe(202);
    let listed: ModelsInfo | null = null;
    await expect
      .poll(
        async () => {
          listed = (await hub.call<ModelsInfo>('GET', '/v1/models')).body;
          return listed.installed.some((m) => m.file === Q4);
        },
        { timeout: 60_000 },
      )
      .toBe(true);
    const recordPath = join(hub.dataDir, 'models', 'first-download-hashes.json');
    expect(existsSync(recordPath)).toBe(true);
    const record = JSON.parse(readFileSync(recordPath, 'utf8')) as {
      files: Record<string, { sha256: string; pack: string }>;
    };
    expect(record.files[`${REPO}/${Q4}@main`]).toMatchObject({ sha256: standin.sha256Of(REPO, Q4) });
  });
});

describe('a pack file that changed on the Hub since its first download here', () => {
  it('is refused naming both hashes and how to accept it; accepted on purpose, its new hash is held to after', async () => {
    const recorded = standin.sha256Of(REPO, Q4);
    const now = changed.sha256Of(REPO, Q4);
    expect(now).not.toBe(recorded);
    expect(recordedSha()).toBe(recorded);

    await restartAgainst(changed, 'hf-cache-2');
    const refused = await pull(Q4);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('MODEL_CHANGED_ON_HUB');
    expect(refused.body.error.message).toContain(`sha256 ${recorded} was recorded then, the Hub's file now has ${now}`);
    expect(refused.body.error.message).toContain('accept the new file in the Models panel');
    expect(refused.body.error.hint).toContain('"accept_new_hash": true');
    // Refused on what the Hub announced: not a byte of the file came, nothing is listed, the record is as it was.
    expect(changed.bytesSent).toBe(0);
    const listed = (await hub.call<ModelsInfo>('GET', '/v1/models')).body;
    expect(listed.downloads.some((d) => d.file === Q4)).toBe(false);
    expect(listed.installed.some((m) => m.file === Q4)).toBe(false);
    expect(recordedSha()).toBe(recorded);

    // The flag is a boolean, the organizer's, and only for a file held to a first-download hash.
    const notBoolean = await pull(Q4, { accept_new_hash: 'yes' });
    expect(notBoolean.status).toBe(400);
    expect(notBoolean.body.error.code).toBe('INVALID_BODY');
    expect(notBoolean.text).toContain('accept_new_hash');
    const agent = await hub.register('mallory');
    const asAgent = await pull(Q4, { accept_new_hash: true }, agent);
    expect(asAgent.status).toBe(403);
    const withSha = await pull(Q4, { accept_new_hash: true, sha256: now });
    expect(withSha.status).toBe(400);
    expect(withSha.body.error.message).toContain('accept_new_hash and sha256 together');
    const notAPackFile = await hub.call('POST', '/v1/models/pull', {
      token: hub.organizerToken,
      body: { repo: 'someone/else-GGUF', file: 'model.gguf', accept_new_hash: true },
    });
    expect(notAPackFile.status).toBe(400);
    expect(notAPackFile.body.error.message).toContain('no pack names it');
    expect(recordedSha()).toBe(recorded);

    // Accepted on purpose: the Hub's new file comes, and its hash replaces the recorded one.
    const accepted = await pull(Q4, { accept_new_hash: true });
    expect(accepted.status).toBe(202);
    await installedFrom(Q4);
    expect(recordedSha()).toBe(now);

    // Held to the new hash after: the old file, served again under the same name, is refused in turn.
    await restartAgainst(standin, 'hf-cache-3');
    const heldToNew = await pull(Q4);
    expect(heldToNew.status).toBe(409);
    expect(heldToNew.body.error.code).toBe('MODEL_CHANGED_ON_HUB');
    expect(heldToNew.body.error.message).toContain(
      `sha256 ${now} was recorded then, the Hub's file now has ${recorded}`,
    );
    expect(standin.bytesSent).toBe(0);
  }, 120_000);
});
