// The gemma packs' Hub files, through the CLI against a Hub stand-in that serves them under their real names: pulled
// and installed held to their pins (a pack's sha256, or the hash recorded at first download), and each GGUF's
// architecture checked, with refusals that name the file, both values and the fix, and leave nothing installed.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GgufWriter } from '../../src/bench/gguf/gguf-writer';
import { writeGemma4Pair } from '../../src/bench/gguf/tiny-gemma4';
import { findPackFile, readPack } from '../../src/bench/pack-install';
import { ggufFileArchitecture, ggufMetadataString, GgufTruncated } from '../../src/platform/gguf-file';
import type { ChallengePack, InstalledPack } from '../../src/shared/challenge';
import { startHfStandin, type HfStandin } from '../helpers/hf-standin';
import { runCli } from '../helpers/hub-process';

const REPO = 'unsloth/gemma-4-E4B-it-GGUF';
const Q4 = 'gemma-4-E4B-it-Q4_K_M.gguf';
const Q8 = 'gemma-4-E4B-it-Q8_0.gguf';
const DRAFTER = 'mtp-gemma-4-E4B-it.gguf';
const OTHER_COMMIT = 'abcdef0123456789abcdef0123456789abcdef01';

let dir: string;
/** The Hub as the gemma pack expects it: a generated gemma4 target under both names, its gemma4-assistant drafter. */
let hub: HfStandin;
/** The same repo after a fork's conversion replaced the drafter: it declares gemma4_mtp. */
let forked: HfStandin;
/** The same repo after the drafter was re-uploaded with other bytes, at a new commit. */
let changed: HfStandin;
let target: Buffer;
let drafter: Buffer;
let n = 0;
const fresh = (what: string) => join(dir, `${what}-${++n}`);
const recordFile = (data: string) => join(data, 'models', 'first-download-hashes.json');

/** A GGUF header that declares only an architecture: all the check reads. */
function headerOnly(architecture: string): Buffer {
  return Buffer.from(
    new GgufWriter().setString('general.architecture', architecture).setString('general.name', 'fork').header(),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'collab-desk-pins-'));
  const pair = await writeGemma4Pair(join(dir, 'gen'), { seed: 7 });
  const other = await writeGemma4Pair(join(dir, 'gen-other'), { seed: 8 });
  target = readFileSync(pair.target);
  drafter = readFileSync(pair.draft);
  hub = await startHfStandin({ repos: { [REPO]: { files: { [Q4]: target, [Q8]: target, [DRAFTER]: drafter } } } });
  forked = await startHfStandin({
    repos: { [REPO]: { files: { [Q4]: target, [Q8]: target, [DRAFTER]: headerOnly('gemma4_mtp') } } },
  });
  changed = await startHfStandin({
    repos: {
      [REPO]: {
        files: { [Q4]: target, [Q8]: target, [DRAFTER]: readFileSync(other.draft) },
        revisions: { main: OTHER_COMMIT },
      },
    },
  });
}, 60_000);
afterAll(async () => {
  await Promise.all([hub?.close(), forked?.close(), changed?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const pull = (standin: HfStandin, name: string, data: string, cache: string, ...extra: string[]) =>
  runCli(['models', 'pull', name, '--hub-url', standin.url, '--cache-dir', cache, '--data', data, ...extra], 30_000);

describe('the gemma packs', () => {
  it('name the real files, each held to a pin the pack states and of a declared architecture', () => {
    const gemma = readPack(findPackFile('gemma'));
    const qat = readPack(findPackFile('gemma-qat'));
    const drafter = gemma.models['gemma-4-e4b-assistant']!;
    expect(drafter).toMatchObject({
      role: 'draft',
      architecture: 'gemma4-assistant',
      source: { hf: { repo: REPO, file: DRAFTER, pin: 'first-download' } },
    });
    expect(gemma.models['gemma-4-e4b-q4']).toMatchObject({ architecture: 'gemma4', source: { hf: { file: Q4 } } });
    expect(gemma.models['gemma-4-e4b-q8']).toMatchObject({ architecture: 'gemma4', source: { hf: { file: Q8 } } });
    expect(qat.models['gemma-4-e4b-qat']).toMatchObject({
      role: 'target',
      architecture: 'gemma4',
      source: { hf: { repo: 'unsloth/gemma-4-E4B-it-qat-GGUF', file: 'gemma-4-E4B-it-qat-UD-Q4_K_XL.gguf' } },
    });
    expect(qat.models['gemma-4-e4b-qat-assistant']).toMatchObject({
      role: 'draft',
      architecture: 'gemma4-assistant',
      source: { hf: { repo: 'unsloth/gemma-4-E4B-it-qat-GGUF', file: DRAFTER } },
    });
    expect(qat.description).toContain('inferred');
    // Same prompts and gate as the gemma pack: only the models differ.
    expect({ ...qat, id: '', title: '', description: '', goal: '', models: {}, baseline: {} }).toEqual({
      ...gemma,
      id: '',
      title: '',
      description: '',
      goal: '',
      models: {},
      baseline: {},
    });
    for (const pack of [gemma, qat]) {
      for (const m of Object.values(pack.models)) {
        const hf = 'hf' in m.source ? m.source.hf : null;
        expect(hf).not.toBeNull();
        // A sha256 from a public record, or hashed at first download: the pack says which.
        expect(hf!.sha256 !== undefined || hf!.pin === 'first-download').toBe(true);
        expect(m.architecture).toMatch(/^gemma4(-assistant)?$/);
      }
    }
  });

  it('pulls the gemma pack models by name under their real file names, records each hash at first download, then holds to it', async () => {
    const data = fresh('data');
    const cache = fresh('cache');
    const first = await pull(hub, 'gemma-4-e4b-assistant', data, cache);
    expect(first.code, first.stderr).toBe(0);
    const path = first.stdout.trim();
    expect(path).toBe(join(cache, `models--unsloth--gemma-4-E4B-it-GGUF`, 'snapshots', hub.commitOf(REPO), DRAFTER));
    expect(readFileSync(path).equals(drafter)).toBe(true);
    expect(first.stderr).toContain('first download here: sha256 recorded');
    expect(first.stderr).toContain('architecture gemma4-assistant');
    const record = JSON.parse(readFileSync(recordFile(data), 'utf8')) as {
      files: Record<string, { sha256: string; pack: string; model: string }>;
    };
    expect(record.files[`${REPO}/${DRAFTER}@main`]).toMatchObject({
      sha256: hub.sha256Of(REPO, DRAFTER),
      pack: 'gemma',
      model: 'gemma-4-e4b-assistant',
    });

    const targetPull = await pull(hub, 'gemma-4-e4b-q4', data, cache);
    expect(targetPull.code, targetPull.stderr).toBe(0);
    expect(readFileSync(targetPull.stdout.trim()).equals(target)).toBe(true);

    const again = await pull(hub, 'gemma-4-e4b-assistant', data, fresh('cache'));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('matches the sha256 recorded at its first download here');
  }, 90_000);

  it("refuses a drafter that declares another fork's architecture, naming both and the fix, before anything is downloaded", async () => {
    const data = fresh('data');
    const cache = fresh('cache');
    forked.reset();
    const res = await pull(forked, 'gemma-4-e4b-assistant', data, cache);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('declares general.architecture "gemma4_mtp", but the pack needs "gemma4-assistant"');
    expect(res.stderr).toContain('mainline llama.cpp does not load such a file');
    expect(res.stderr).toContain("unsloth/gemma-4-E4B-it-GGUF's mtp-gemma-4-E4B-it.gguf");
    expect(existsSync(recordFile(data))).toBe(false);

    // The whole pack: refused while asking the Hub, before either target's bytes are fetched; nothing is written.
    forked.reset();
    const init = await runCli(
      ['challenge', 'init', 'gemma', '--data', data, '--hub-url', forked.url, '--cache-dir', cache],
      60_000,
    );
    expect(init.code).toBe(1);
    expect(init.stderr).toContain('model gemma-4-e4b-assistant of the gemma pack');
    expect(init.stderr).toContain('"gemma4_mtp", but the pack needs "gemma4-assistant"');
    expect(init.stderr).toContain('the gemma pack was not installed');
    expect(existsSync(join(data, 'challenge', 'pack.json'))).toBe(false);
    expect(existsSync(recordFile(data))).toBe(false);
    const blobs = join(cache, 'models--unsloth--gemma-4-E4B-it-GGUF', 'blobs');
    expect(existsSync(blobs) ? readdirSync(blobs) : []).toEqual([]);
    expect(forked.bytesSent).toBeLessThan(target.length);
  }, 90_000);

  it('refuses a file whose sha256 is not the one the pack pins, naming the file, both hashes and what to do', async () => {
    const gemma = JSON.parse(readFileSync(findPackFile('gemma'), 'utf8')) as ChallengePack;
    const wrong = 'e'.repeat(64);
    const pinned: ChallengePack = {
      ...gemma,
      id: 'gemma-pinned',
      models: {
        ...gemma.models,
        'gemma-4-e4b-assistant': {
          ...gemma.models['gemma-4-e4b-assistant']!,
          source: { hf: { repo: REPO, file: DRAFTER, revision: hub.commitOf(REPO), sha256: wrong } },
        },
      },
    };
    const file = join(dir, 'gemma-pinned.json');
    writeFileSync(file, JSON.stringify(pinned));
    const data = fresh('data');
    const cache = fresh('cache');
    hub.reset();
    const res = await runCli(
      ['challenge', 'init', file, '--data', data, '--hub-url', hub.url, '--cache-dir', cache],
      60_000,
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      `model gemma-4-e4b-assistant of the gemma-pinned pack (${REPO}/${DRAFTER} at ${hub.commitOf(REPO)})`,
    );
    expect(res.stderr).toContain(
      `the pack expects sha256 ${wrong} and the Hub's file has ${hub.sha256Of(REPO, DRAFTER)}`,
    );
    expect(res.stderr).toContain('nothing was downloaded');
    expect(res.stderr).toContain('or correct the sha256');
    expect(existsSync(join(data, 'challenge', 'pack.json'))).toBe(false);
    expect(hub.bytesSent).toBeLessThan(target.length);

    // A pack that says both "this sha256" and "trust the first download" is refused by name.
    const both = join(dir, 'gemma-both.json');
    const src = { ...pinned.models['gemma-4-e4b-assistant']!.source } as { hf: Record<string, unknown> };
    writeFileSync(
      both,
      JSON.stringify({
        ...pinned,
        models: {
          ...pinned.models,
          'gemma-4-e4b-assistant': {
            ...pinned.models['gemma-4-e4b-assistant'],
            source: { hf: { ...src.hf, pin: 'first-download' } },
          },
        },
      }),
    );
    expect(() => readPack(both)).toThrow('gives a sha256 and pin "first-download"');
  }, 90_000);

  it('refuses a file that changed on the Hub since its first download, naming both hashes and how to accept it on purpose', async () => {
    const data = fresh('data');
    const cache = fresh('cache');
    const first = await pull(hub, 'gemma-4-e4b-assistant', data, cache);
    expect(first.code, first.stderr).toBe(0);
    const recorded = hub.sha256Of(REPO, DRAFTER);
    const now = changed.sha256Of(REPO, DRAFTER);
    expect(now).not.toBe(recorded);

    // The cache still holds the recorded bytes: they are served, the Hub's new file is not taken.
    changed.reset();
    const held = await pull(changed, 'gemma-4-e4b-assistant', data, cache);
    expect(held.code, held.stderr).toBe(0);
    expect(readFileSync(held.stdout.trim()).equals(drafter)).toBe(true);
    expect(changed.bytesSent).toBe(0);

    // Once the file is gone from the cache (deleted to free space, another cache), the changed file is refused.
    const emptied = fresh('cache');
    const res = await pull(changed, 'gemma-4-e4b-assistant', data, emptied);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`sha256 ${recorded} was recorded then, the Hub's file now has ${now}`);
    expect(res.stderr).toContain(`collab-desk models pull gemma-4-e4b-assistant --accept-new-hash --data ${data}`);
    expect(res.stderr).toContain(recordFile(data));
    expect(changed.bytesSent).toBe(0);
    const blobs = join(emptied, 'models--unsloth--gemma-4-E4B-it-GGUF', 'blobs');
    expect(existsSync(blobs) ? readdirSync(blobs) : []).toEqual([]);

    // The pack install is held to the same record.
    const init = await runCli(
      ['challenge', 'init', 'gemma', '--data', data, '--hub-url', changed.url, '--cache-dir', emptied],
      60_000,
    );
    expect(init.code).toBe(1);
    expect(init.stderr).toContain(`the Hub's file now has ${now}`);
    expect(init.stderr).toContain(`collab-desk models pull gemma-4-e4b-assistant --accept-new-hash --data ${data}`);
    expect(existsSync(join(data, 'challenge', 'pack.json'))).toBe(false);

    // Accepted on purpose: the new file comes, and its hash replaces the record.
    const accepted = await pull(changed, 'gemma-4-e4b-assistant', data, emptied, '--accept-new-hash');
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(
      readFileSync(accepted.stdout.trim()).equals(readFileSync(join(dir, 'gen-other', 'gemma4-assistant.gguf'))),
    ).toBe(true);
    const record = JSON.parse(readFileSync(recordFile(data), 'utf8')) as { files: Record<string, { sha256: string }> };
    expect(record.files[`${REPO}/${DRAFTER}@main`]!.sha256).toBe(now);
  }, 90_000);

  it("installs the gemma pack's models from the Hub under their real file names, checked and recorded", async () => {
    // The gemma pack's models exactly; a shorter calibration, so the tiny generated target writes references quickly.
    const gemma = JSON.parse(readFileSync(findPackFile('gemma'), 'utf8')) as ChallengePack;
    const quick: ChallengePack = {
      ...gemma,
      defaults: { ...gemma.defaults, ctx_size: 512, threads: 1 },
      calibration: { prompts: gemma.calibration!.prompts.slice(0, 2), tokens: 8 },
      private_prompts: { ...gemma.private_prompts!, count: 2 },
    };
    const file = join(dir, 'gemma-quick.json');
    writeFileSync(file, JSON.stringify(quick));
    const data = fresh('data');
    const cache = fresh('cache');
    const res = await runCli(
      ['challenge', 'init', file, '--data', data, '--hub-url', hub.url, '--cache-dir', cache],
      120_000,
    );
    expect(res.code, res.stderr).toBe(0);
    const installed = JSON.parse(readFileSync(join(data, 'challenge', 'pack.json'), 'utf8')) as InstalledPack;
    const snapshot = join(cache, 'models--unsloth--gemma-4-E4B-it-GGUF', 'snapshots', hub.commitOf(REPO));
    expect(installed.model_paths).toEqual({
      'gemma-4-e4b-q4': join(snapshot, Q4),
      'gemma-4-e4b-q8': join(snapshot, Q8),
      'gemma-4-e4b-assistant': join(snapshot, DRAFTER),
    });
    expect(installed.references).toHaveLength(2);
    const record = JSON.parse(readFileSync(recordFile(data), 'utf8')) as { files: Record<string, { sha256: string }> };
    expect(Object.keys(record.files).sort()).toEqual(
      [`${REPO}/${Q4}@main`, `${REPO}/${Q8}@main`, `${REPO}/${DRAFTER}@main`].sort(),
    );
  }, 150_000);
});

describe('reading a GGUF architecture', () => {
  it('reads general.architecture from a header, past keys before it, and says when the bytes stop short', () => {
    const w = new GgufWriter()
      .setStringArray('tokenizer.ggml.tokens', ['a', 'bb', 'ccc'])
      .setUint32('x.count', 3)
      .setString('general.architecture', 'gemma4-assistant');
    const header = Buffer.from(w.header());
    const read = (b: Buffer) => (offset: number, length: number) => b.subarray(offset, offset + length);
    expect(ggufMetadataString(read(header), 'general.architecture')).toBe('gemma4-assistant');
    expect(ggufMetadataString(read(header), 'general.name')).toBeNull();
    expect(() => ggufMetadataString(read(header.subarray(0, 40)), 'general.architecture')).toThrow(GgufTruncated);
    expect(() => ggufMetadataString(read(Buffer.from('not a gguf file at all')), 'general.architecture')).toThrow(
      'does not begin with the GGUF header',
    );
    const file = join(dir, 'arch.gguf');
    writeFileSync(file, drafter);
    expect(ggufFileArchitecture(file)).toBe('gemma4-assistant');
  });
});
