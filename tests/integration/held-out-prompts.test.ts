// Held-out prompts that stay held out: shipped packs carry none, `challenge init` draws them with a secret the hub
// keeps (or takes the organizer's file), stores them where only the hub reads, keeps them until asked to redraw, and
// no answer, event or agent-visible file ever carries their text. Runs the built CLI as an organizer would.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineJobRunner } from '../../src/bench/job-runner';
import { shippedPacksFolder } from '../../src/bench/pack-install';
import { ChallengeState, publicPack } from '../../src/hub/challenge';
import { dataLayout } from '../../src/platform/data-folder';
import type { HeldOutSet, InstalledPack } from '../../src/shared/challenge';
import { assertCliBuilt, runCli } from '../helpers/hub-process';
import { SseClient } from '../helpers/sse-client';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { PRIVATE_PROMPTS, writeTestPack } from '../helpers/test-pack';

let dir: string;
let tinyFile: string;
let tinyPrivate: string;
let generatorFile: string;

beforeAll(async () => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'collab-desk-held-out-'));
  const tiny = await writeTestPack(join(dir, 'pack'));
  tinyFile = tiny.file;
  tinyPrivate = tiny.privateFile;
  // The same tiny pack, drawing its private prompts itself (with references on them) as the shipped packs do.
  generatorFile = join(dir, 'pack', 'tiny-drawn.json');
  writeFileSync(
    generatorFile,
    JSON.stringify({
      ...tiny.pack,
      private_prompts: {
        count: 2,
        references: true,
        families: [
          {
            id: 'sums',
            template: 'Quokka sum {{n}}: what is {{a}} plus {{b}}?',
            slots: { n: { from: 1, to: 50 }, a: { from: 10, to: 99 }, b: { from: 10, to: 99 } },
          },
        ],
      },
    }),
  );
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The held-out sets in a data folder (as the organizer can read them), by file name. */
function heldOut(data: string): Record<string, HeldOutSet> {
  const folder = join(data, 'challenge', 'held-out');
  if (!existsSync(folder)) return {};
  return Object.fromEntries(
    readdirSync(folder).map((name) => [name, JSON.parse(readFileSync(join(folder, name), 'utf8')) as HeldOutSet]),
  );
}
const onlySet = (data: string): HeldOutSet => {
  const sets = Object.values(heldOut(data));
  expect(sets).toHaveLength(1);
  return sets[0]!;
};
/** The private prompts the hub measures with: what a hub started on this data folder reads. */
const hubPrivate = (data: string) =>
  new ChallengeState(dataLayout(data).challengePack)
    .require()
    .prompts.filter((p) => p.split === 'private')
    .map((p) => p.text);

/** Every file under `root` (but `except`), by path relative to it. */
function filesUnder(root: string, except: string[] = []): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((rel) => !except.some((x) => rel === x || rel.startsWith(`${x}/`)))
    .filter((rel) => statSync(join(root, rel)).isFile());
}
const snapshot = (root: string) =>
  Object.fromEntries(
    filesUnder(root).map((rel) => [
      rel,
      createHash('sha256')
        .update(readFileSync(join(root, rel)))
        .digest('hex'),
    ]),
  );

describe('the shipped packs', () => {
  it('hold no private prompt, only the families their private prompts are drawn from at init', () => {
    const folder = shippedPacksFolder();
    const files = readdirSync(folder).filter((f) => f.endsWith('.json'));
    expect(files).toEqual(expect.arrayContaining(['demo.json', 'gemma.json']));
    const declared: Record<string, number> = { 'demo.json': 3, 'gemma.json': 6 };
    for (const file of files) {
      const pack = JSON.parse(readFileSync(join(folder, file), 'utf8')) as {
        prompts: Array<{ split: string }>;
        references: unknown[];
        private_prompts: { count: number; families: unknown[] };
      };
      expect(
        pack.prompts.filter((p) => p.split !== 'public'),
        file,
      ).toEqual([]);
      expect(pack.references, file).toEqual([]);
      expect(pack.private_prompts.families.length, file).toBeGreaterThan(1);
      if (declared[file]) expect(pack.private_prompts.count, file).toBe(declared[file]);
    }
  });
});

/** Every GET an agent might make about the challenge and its results, as `token` (a job's log and output included). */
async function agentView(hub: TestHub, token: string): Promise<string> {
  const jobs = (await hub.call('GET', '/v1/jobs?limit=500', { token })).body.items as Array<{
    id: string;
    result: string | null;
  }>;
  const paths = [
    '/v1/challenge',
    '/v1/results?expand=true',
    '/v1/leaderboard',
    '/v1/jobs?limit=500',
    '/v1/central/?recursive=true',
    '/v1/digest?as=ada',
  ];
  for (const job of jobs) {
    paths.push(`/v1/jobs/${job.id}`, `/v1/central/jobs/${job.id}/log.txt`, `/v1/central/jobs/${job.id}/output.json`);
    if (job.result) paths.push(`/v1/results/${job.result}`);
  }
  const seen: string[] = [];
  for (const path of paths) {
    const res = await hub.call('GET', path, { token });
    expect(res.status, path).toBe(200);
    seen.push(res.text);
  }
  return seen.join('\n');
}

/**
 * Asserts no text of `secrets` is in `text`, nor in any file of `data` outside the challenge area. Whole texts: a drawn
 * prompt's start or end is its family's template, public text that may well appear (the public prompts share it).
 */
function expectNowhere(secrets: string[], text: string, data: string): void {
  // Not the agents' scratch/, not central/, not the record (hub.db): only challenge/ may hold them.
  const visible = filesUnder(data, ['challenge']);
  expect(visible.length).toBeGreaterThan(0);
  // As written, and as it reads inside a JSON string.
  for (const secret of secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)])) {
    expect(text.includes(secret), 'a private prompt in an answer or event').toBe(false);
    for (const rel of visible) expect(readFileSync(join(data, rel)).includes(secret), rel).toBe(false);
  }
}

describe('challenge init of the shipped demo pack', () => {
  let hub: TestHub | undefined;
  afterAll(async () => {
    await hub?.stop();
  });

  it('draws its 3 private prompts for the hub alone, with a secret seed, and the hub reads the same ones after a restart', async () => {
    const data = join(dir, 'demo-data');
    const init = await runCli(['challenge', 'init', 'demo', '--data', data], 300_000);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('5 public and 3 private prompts (drawn now with a secret seed), 7 references');
    const set = onlySet(data);
    expect(set).toMatchObject({ pack: 'demo', source: 'generated' });
    expect(set.seed).toMatch(/^[0-9a-f]{64}$/);
    expect(set.references).toHaveLength(3);
    const secrets = set.prompts.map((p) => p.text);
    expect(secrets).toHaveLength(3);
    // Only the hub's user may read the challenge area, its held-out folder and the sets in it.
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(join(data, 'challenge'))).toBe(0o700);
    expect(mode(join(data, 'challenge', 'held-out'))).toBe(0o700);
    for (const name of Object.keys(heldOut(data))) expect(mode(join(data, 'challenge', 'held-out', name))).toBe(0o600);
    for (const text of secrets) expect(readFileSync(join(data, 'challenge', 'pack.json'), 'utf8')).not.toContain(text);

    hub = await startTestHub({}, data);
    const ada = await hub.register('ada');
    const challenge = await hub.call('GET', '/v1/challenge', { token: ada });
    expect(challenge.body.prompts.private_count).toBe(3);
    expect(challenge.body.references).toBe(7);
    expectNowhere(secrets, challenge.text + init.stdout + init.stderr, data);
    expect(
      hub.running.hub.challenge
        .require()
        .prompts.filter((p) => p.split === 'private')
        .map((p) => p.text),
    ).toEqual(secrets);
    hub = await hub.restart();
    expect(
      hub.running.hub.challenge
        .require()
        .prompts.filter((p) => p.split === 'private')
        .map((p) => p.text),
    ).toEqual(secrets);
    expect((await hub.call('GET', '/v1/challenge', { token: ada })).body.prompts.private_count).toBe(3);
  }, 360_000);
});

describe('a pack that draws its private prompts', () => {
  let hub: TestHub | undefined;
  afterAll(async () => {
    await hub?.stop();
  });

  it('measures jobs on the drawn prompts without ever showing them: no answer, event, result, log or agent-visible file', async () => {
    const data = join(dir, 'drawn');
    const first = await runCli(['challenge', 'init', generatorFile, '--data', data], 120_000);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('3 public and 2 private prompts (drawn now with a secret seed), 4 references');
    const drawn = onlySet(data);
    expect(drawn.prompts.map((p) => p.text)).toEqual([
      expect.stringMatching(/^Quokka sum \d+: what is \d+ plus \d+\?$/),
      expect.any(String),
    ]);
    expect(drawn.references.map((r) => r.prompt)).toEqual(drawn.prompts.map((p) => p.text));

    hub = await startTestHub({}, data, { jobRunner: engineJobRunner() });
    const events = await SseClient.connect(`${hub.url}/v1/events`, {
      lastEventId: 0,
      headers: { authorization: `Bearer ${hub.organizerToken}` },
    });
    const ada = await hub.register('ada');
    // The baseline (queued at start), then ada's job, a claim of the new best the verifier re-runs on the private prompts.
    const job = await hub.call('POST', '/v1/jobs', {
      token: ada,
      body: {
        config: { target: 'target', draft: 'draft-same', spec_type: 'draft', draft_n_max: 4 },
        method: 'identical draft',
      },
    });
    expect(job.status, job.text).toBe(201);
    await hub.running.hub.jobQueue!.idle();
    const done = (await hub.call('GET', `/v1/jobs/${job.body.id}`, { token: ada })).body;
    expect(done.state, done.error).toBe('succeeded');
    const answers = await agentView(hub, ada);
    expect(answers).toContain('tps_private');
    await events.waitFor((e) => e.type === 'result.created', 'a result event');
    await events.close();
    expectNowhere(
      drawn.prompts.map((p) => p.text),
      answers + events.received.map((e) => e.data).join('\n'),
      data,
    );
  }, 300_000);

  it('keeps the installed set when init runs again, draws a new one with a new secret only with --redraw-private, and another data folder draws its own', async () => {
    await hub?.stop();
    hub = undefined;
    const data = join(dir, 'drawn');
    const drawn = onlySet(data);
    const again = await runCli(['challenge', 'init', generatorFile, '--data', data], 120_000);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(
      `2 private prompts (kept from ${drawn.drawn_at.slice(0, 10)}; --redraw-private replaces them)`,
    );
    expect(onlySet(data)).toEqual(drawn);
    expect(hubPrivate(data)).toEqual(drawn.prompts.map((p) => p.text));

    const redrawn = await runCli(['challenge', 'init', generatorFile, '--data', data, '--redraw-private'], 120_000);
    expect(redrawn.code, redrawn.stderr).toBe(0);
    expect(redrawn.stdout).toContain('2 private prompts (drawn now with a secret seed)');
    const next = onlySet(data); // the replaced set is gone
    expect(next.seed).not.toBe(drawn.seed);
    expect(next.prompts.map((p) => p.text)).not.toEqual(drawn.prompts.map((p) => p.text));
    expect(hubPrivate(data)).toEqual(next.prompts.map((p) => p.text));
    const pub = publicPack(new ChallengeState(dataLayout(data).challengePack).require());
    expect(pub.prompts.private_count).toBe(2);
    expect(pub.references).toBe(4);

    const elsewhere = join(dir, 'drawn-elsewhere');
    expect((await runCli(['challenge', 'init', generatorFile, '--data', elsewhere], 120_000)).code).toBe(0);
    expect(onlySet(elsewhere).prompts.map((p) => p.text)).not.toEqual(next.prompts.map((p) => p.text));
  }, 480_000);
});

describe('private prompts supplied by the organizer', () => {
  let data: string;
  const init = (target: string, ...extra: string[]) =>
    runCli(['challenge', 'init', tinyFile, '--data', target, ...extra], 120_000);
  const fileWith = (name: string, content: string) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };

  it('are installed from a JSON lines file, for the hub alone', async () => {
    data = join(dir, 'supplied');
    const res = await init(data, '--private-prompts', tinyPrivate);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('3 public and 2 private prompts (supplied by you), 2 references');
    expect(hubPrivate(data)).toEqual(PRIVATE_PROMPTS);
    expect(onlySet(data)).toMatchObject({ source: 'organizer', references: [] });
    for (const text of PRIVATE_PROMPTS) expect(res.stdout + res.stderr).not.toContain(text);
  }, 120_000);

  it('are asked for when the pack does not draw its own', async () => {
    const res = await init(join(dir, 'not-supplied'));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      'the tiny pack does not draw its private prompts itself: give them with --private-prompts <file>',
    );
    expect(existsSync(join(dir, 'not-supplied'))).toBe(false);
  });

  it.each([
    ['is empty', '', 'is empty: give a JSON array of {"id": "...", "text": "..."}'],
    [
      'uses an id twice',
      `{"id": "a", "text": "one held-out line"}\n{"id": "a", "text": "another"}\n`,
      'prompt 2 ("a"): id "a" is used twice',
    ],
    [
      'holds a public prompt',
      `{"id": "a", "text": "Once upon a time there was a"}\n`,
      'the same as public prompt "p2" of the pack, which anyone can read',
    ],
    [
      'holds a prompt over the length limit',
      `{"id": "a", "text": "${'x'.repeat(20_001)}"}\n`,
      'the text is 20001 characters; at most 20000',
    ],
    ['is not JSON', 'Zebra quartz, but as plain text\n', 'is neither JSON nor JSON lines'],
  ])(
    'are refused when the file %s, with what to fix, and nothing is installed or changed',
    async (_name, content, message) => {
      const file = fileWith('bad.jsonl', content);
      const fresh = join(dir, 'refused');
      const refused = await init(fresh, '--private-prompts', file);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`collab-desk challenge: --private-prompts ${file}`);
      expect(refused.stderr).toContain(message);
      expect(existsSync(fresh)).toBe(false);
      // On a hub where the pack is installed, the installed pack and its set stay exactly as they were.
      const before = snapshot(data);
      const again = await init(data, '--private-prompts', file, '--redraw-private');
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(message);
      expect(snapshot(data)).toEqual(before);
    },
    60_000,
  );

  it('are replaced by a different file only with --redraw-private: results verified on the old ones would not compare', async () => {
    const other = fileWith(
      'other.jsonl',
      `{"id": "n1", "text": "Nightjar ledger private prompt about sunken clocks"}\n`,
    );
    const before = snapshot(data);
    const refused = await init(data, '--private-prompts', other);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the tiny pack already has 2 private prompts (supplied by the organizer');
    expect(refused.stderr).toContain('add --redraw-private to replace them');
    expect(snapshot(data)).toEqual(before);
    // The same file again changes nothing about the set.
    expect((await init(data, '--private-prompts', tinyPrivate)).code).toBe(0);
    expect(hubPrivate(data)).toEqual(PRIVATE_PROMPTS);

    const replaced = await init(data, '--private-prompts', other, '--redraw-private');
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toContain('3 public and 1 private prompts (supplied by you)');
    expect(hubPrivate(data)).toEqual(['Nightjar ledger private prompt about sunken clocks']);
    expect(Object.keys(heldOut(data))).toHaveLength(1);
  }, 240_000);
});

describe('a pack installed by an older version', () => {
  it('is refused by the hub, saying to run challenge init again: its private prompts are the published ones', async () => {
    const data = join(dir, 'legacy');
    expect(
      (await runCli(['challenge', 'init', tinyFile, '--data', data, '--private-prompts', tinyPrivate], 120_000)).code,
    ).toBe(0);
    // What older versions wrote: the private prompts inside pack.json, no held-out set.
    const packJson = dataLayout(data).challengePack;
    const { private_set: _set, ...installed } = JSON.parse(readFileSync(packJson, 'utf8')) as InstalledPack;
    writeFileSync(
      packJson,
      JSON.stringify({
        ...installed,
        prompts: [
          ...installed.prompts,
          ...PRIVATE_PROMPTS.map((text, i) => ({ id: `s${i + 1}`, split: 'private', text })),
        ],
      }),
    );
    const hub = await startTestHub({}, data);
    try {
      const res = await hub.call('GET', '/v1/challenge', { token: await hub.register('ada') });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NO_CHALLENGE');
      expect(res.body.error.message).toContain(
        'carries its private prompts itself, as packs installed by older versions did',
      );
      expect(res.body.error.message).toContain('run `collab-desk challenge init tiny` again');
      for (const text of PRIVATE_PROMPTS) expect(res.text).not.toContain(text);
    } finally {
      await hub.stop();
    }
  }, 120_000);
});
