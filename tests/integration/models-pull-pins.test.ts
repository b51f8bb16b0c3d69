// A pack's file pulled from the Models panel (POST /v1/models/pull) is held as `models pull <name>` holds it: its
// architecture checked before the download, its hash recorded at first download and held to after.
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
let hub: TestHub;

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
  const cacheDir = join(dir, 'hf-cache');
  hub = await startTestHub({}, join(dir, 'data'), {
    models: (data) => createModelLibrary({ dataDir: data, cacheDir, hubUrl: standin.url }),
  });
}, 60_000);

afterAll(async () => {
  await hub?.stop(true);
  await standin?.close();
  rmSync(dir, { recursive: true, force: true });
});

const pull = (file: string) =>
  hub.call('POST', '/v1/models/pull', { token: hub.organizerToken, body: { repo: REPO, file } });

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
