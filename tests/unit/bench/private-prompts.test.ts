// Private prompts: drawn from a pack's question families with a secret seed (unpredictable, reproducible from the
// seed, never a public text), and the organizer's own file checked with messages that say what to fix, quoting nothing.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPackFile, readPack } from '../../../src/bench/pack-install';
import {
  drawPrivatePrompts,
  familySpace,
  MIN_SPACE_PER_PROMPT,
  readPrivatePromptsFile,
} from '../../../src/bench/private-prompts';
import type { ChallengePack } from '../../../src/shared/challenge';

const SHIPPED = { demo: 3, gemma: 6 } as const;
const SECRET = 'Quokka turbine held-out question about velvet glaciers';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'collab-desk-private-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const publicTexts = (pack: ChallengePack) => [...pack.prompts.map((p) => p.text), ...(pack.calibration?.prompts ?? [])];

describe('drawing private prompts', () => {
  it.each(Object.entries(SHIPPED))(
    "draws the %s pack's %i private prompts: distinct, filled, none of them public text",
    (name, count) => {
      const pack = readPack(findPackFile(name));
      expect(pack.private_prompts?.count).toBe(count);
      const prompts = drawPrivatePrompts(pack, randomBytes(32));
      expect(prompts.map((p) => p.id)).toEqual(Array.from({ length: count }, (_, i) => `private-${i + 1}`));
      expect(new Set(prompts.map((p) => p.text)).size).toBe(count);
      for (const p of prompts) {
        expect(p.text).not.toMatch(/\{\{|\}\}/);
        expect(publicTexts(pack)).not.toContain(p.text);
      }
    },
  );

  it('draws the same set from the same seed (the hub can re-derive it) and another from another seed', () => {
    const pack = readPack(findPackFile('gemma'));
    const seed = randomBytes(32);
    expect(drawPrivatePrompts(pack, seed)).toEqual(drawPrivatePrompts(pack, Buffer.from(seed)));
    // 50 secrets, 300 prompts: hardly any two draws share a prompt, so a set cannot be guessed from the pack.
    const texts = Array.from({ length: 50 }, () => drawPrivatePrompts(pack, randomBytes(32)).map((p) => p.text)).flat();
    expect(new Set(texts).size).toBeGreaterThan(290);
  });

  it('ships families each able to fill at least a thousand distinct prompts, so no one can tune on all of them', () => {
    for (const name of Object.keys(SHIPPED)) {
      for (const family of readPack(findPackFile(name)).private_prompts!.families!) {
        expect(familySpace(family), `${name} ${family.id}`).toBeGreaterThanOrEqual(MIN_SPACE_PER_PROMPT);
      }
    }
  });
});

describe("the organizer's private prompts file", () => {
  const pack = readPack(findPackFile('demo'));
  let n = 0;
  const fileWith = (content: string) => {
    const file = join(dir, `private-${++n}.jsonl`);
    writeFileSync(file, content);
    return file;
  };
  const line = (id: string, text: string) => JSON.stringify({ id, text });

  it('reads JSON lines, a JSON array, or {"prompts": [...]}; other fields are ignored', () => {
    const expected = [
      { id: 'h1', text: SECRET },
      { id: 'h2', text: 'Another held-out question' },
    ];
    expect(
      readPrivatePromptsFile(
        fileWith(
          `${line('h1', SECRET)}\r\n\n${JSON.stringify({ id: 'h2', text: 'Another held-out question', source: 'mine' })}\n`,
        ),
        pack,
      ),
    ).toEqual(expected);
    expect(readPrivatePromptsFile(fileWith(JSON.stringify(expected, null, 2)), pack)).toEqual(expected);
    expect(readPrivatePromptsFile(fileWith(JSON.stringify({ prompts: expected })), pack)).toEqual(expected);
  });

  const atrium = pack.prompts[0]!;
  it.each([
    ['a missing file', null, 'no such file'],
    ['an empty file', '\n', 'is empty: give a JSON array of {"id": "...", "text": "..."}'],
    ['plain text', `${SECRET}\n`, 'is neither JSON nor JSON lines'],
    ['a broken JSON line', `${line('h1', 'fine')}\n{"id": "h2", "text": "${SECRET}\n`, ': line 2, column '],
    ['broken JSON', `[${line('h1', SECRET)},]`, 'is not valid JSON (check its quotes, commas and brackets)'],
    [
      'a prompt without text',
      `${line('h1', 'fine')}\n{"id": "h2", "prompt": "${SECRET}"}\n`,
      'prompt 2 has no "text" string',
    ],
    [
      'an id used twice',
      `${line('h1', SECRET)}\n${line('h1', 'other')}\n`,
      'prompt 2 ("h1"): id "h1" is used twice (also by prompt 1)',
    ],
    [
      'an id that is not one',
      `${line('Held Out!', SECRET)}\n`,
      'prompt 1: its id is not a valid id: use 1-64 lowercase letters',
    ],
    ["a public prompt's id", `${line(atrium.id, SECRET)}\n`, `id "${atrium.id}" is a public prompt's id; rename it`],
    ['an empty text', `${line('h1', '   ')}\n`, 'prompt 1 ("h1"): the text is empty'],
    ['a text over the limit', `${line('h1', SECRET.repeat(400))}\n`, 'the text is 21600 characters; at most 20000'],
    [
      'a public prompt, spaced and cased differently',
      `${line('h1', `  ${atrium.text.toUpperCase().replace(/ /g, '  ')} `)}\n`,
      `the same as public prompt "${atrium.id}" of the pack, which anyone can read`,
    ],
    [
      'a calibration prompt',
      `${line('h1', pack.calibration!.prompts[1]!)}\n`,
      'the same as calibration prompt 2 of the pack',
    ],
    [
      'the same text twice',
      `${line('h1', SECRET)}\n${line('h2', SECRET)}\n`,
      'prompt 2 ("h2"): the text is the same as prompt "h1"',
    ],
  ])('refuses %s, saying what to fix and quoting no prompt', (_name, content, message) => {
    const file = content === null ? join(dir, 'absent.jsonl') : fileWith(content);
    let error: Error | null = null;
    try {
      readPrivatePromptsFile(file, pack);
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toContain(`--private-prompts ${file}`);
    expect(error?.message).toContain(message);
    expect(error?.message).not.toContain(SECRET.slice(0, 12));
  });
});
