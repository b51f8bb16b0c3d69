// A pack's private (held-out) prompts: drawn from its question families with a secret seed, or read from the organizer's file, and checked.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ChallengePack, PromptFamily, SlotValues } from '../shared/challenge';
import { BenchError } from './bench-error';

export interface PrivatePrompt {
  id: string;
  text: string;
}

/** The longest private prompt, as for any pack prompt. */
export const MAX_PROMPT_CHARS = 20_000;
/** At most this many private prompts: each is measured in every verification, at every repeat. */
export const MAX_PRIVATE_PROMPTS = 1000;
/**
 * A generator must be able to fill at least this many distinct prompts per prompt it draws: with fewer, an agent could
 * tune on (or pre-compute for) every prompt the families can produce, and the draw would hide nothing.
 */
export const MIN_SPACE_PER_PROMPT = 1000;

const ID = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;
const PLACEHOLDER = /\{\{([a-z][a-z0-9_]{0,31})\}\}/g;

const sizeOf = (values: SlotValues): number => (Array.isArray(values) ? values.length : values.to - values.from + 1);
const valueAt = (values: SlotValues, i: number): string =>
  Array.isArray(values) ? values[i]! : String(values.from + i);
const longest = (values: SlotValues): number =>
  Array.isArray(values)
    ? Math.max(...values.map((v) => v.length))
    : Math.max(String(values.from).length, String(values.to).length);
/** Texts compared as a reader would: case and runs of white space do not make a prompt new. */
const normal = (text: string): string => text.trim().replace(/\s+/g, ' ').toLowerCase();

function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** How many distinct prompts a family can fill (its slots' sizes multiplied). */
export function familySpace(family: PromptFamily): number {
  return [...new Set(placeholders(family.template))].reduce((n, slot) => n * sizeOf(family.slots[slot] ?? []), 1);
}

/** Refuses a generator that cannot draw what the pack declares; every message names the family and the fix. */
export function checkGenerator(pack: ChallengePack, where: string): void {
  const spec = pack.private_prompts;
  if (!spec?.families) return;
  if (spec.count === undefined)
    throw new BenchError(
      'INVALID_CONFIG',
      `${where}: private_prompts has families but no count: say how many private prompts to draw`,
    );
  const ids = new Set<string>();
  for (const family of spec.families) {
    const at = `${where}: private_prompts family "${family.id}"`;
    if (ids.has(family.id)) throw new BenchError('INVALID_CONFIG', `${at} is declared twice`);
    ids.add(family.id);
    const used = new Set(placeholders(family.template));
    for (const slot of used)
      if (!family.slots[slot])
        throw new BenchError('INVALID_CONFIG', `${at}: the template uses {{${slot}}} but slots has no "${slot}"`);
    for (const [slot, values] of Object.entries(family.slots)) {
      if (!used.has(slot))
        throw new BenchError(
          'INVALID_CONFIG',
          `${at}: slot "${slot}" is not used by the template (write {{${slot}}} in it, or remove the slot)`,
        );
      if (!Array.isArray(values) && values.to < values.from)
        throw new BenchError(
          'INVALID_CONFIG',
          `${at}: slot "${slot}" counts from ${values.from} down to ${values.to}; give from <= to`,
        );
      if (Array.isArray(values) && new Set(values).size !== values.length)
        throw new BenchError('INVALID_CONFIG', `${at}: slot "${slot}" lists a value twice`);
    }
    // Families are drawn in turn: each must be wide on its own (a family with no slots is one public sentence).
    if (familySpace(family) < MIN_SPACE_PER_PROMPT)
      throw new BenchError(
        'INVALID_CONFIG',
        `${at}: the family can fill only ${familySpace(family)} distinct prompts; give it at least ${MIN_SPACE_PER_PROMPT} with more slots or values`,
      );
    const filled =
      family.template.length + placeholders(family.template).reduce((n, slot) => n + longest(family.slots[slot]!), 0);
    if (filled > MAX_PROMPT_CHARS)
      throw new BenchError(
        'INVALID_CONFIG',
        `${at}: a filled prompt can reach ${filled} characters; at most ${MAX_PROMPT_CHARS}`,
      );
  }
  const space = spec.families.reduce((n, f) => n + familySpace(f), 0);
  if (space < spec.count * MIN_SPACE_PER_PROMPT) {
    throw new BenchError(
      'INVALID_CONFIG',
      `${where}: private_prompts families can fill only ${space} distinct prompts; give at least ${MIN_SPACE_PER_PROMPT} per private prompt (${spec.count * MIN_SPACE_PER_PROMPT}) with more slots or values, so no one can tune on every prompt they could draw`,
    );
  }
}

/** Uniform integers from a secret seed: HMAC-SHA256 in counter mode, so the draw is reproducible from the seed alone. */
class SeededDraws {
  private block = Buffer.alloc(0);
  private offset = 0;
  private counter = 0;

  constructor(
    private readonly seed: Buffer,
    private readonly label: string,
  ) {}

  /** An integer in [0, n), unbiased (48-bit samples, rejecting the uneven tail). */
  below(n: number): number {
    const limit = Math.floor(2 ** 48 / n) * n;
    for (;;) {
      if (this.offset + 6 > this.block.length) {
        this.block = createHmac('sha256', this.seed).update(`${this.label}:${this.counter++}`).digest();
        this.offset = 0;
      }
      const x = this.block.readUIntBE(this.offset, 6);
      this.offset += 6;
      if (x < limit) return x % n;
    }
  }
}

/**
 * The pack's private prompts drawn with `seed`: families in an order the seed shuffles, taken in turn (so the set mixes
 * them as evenly as its size allows), every slot filled at random. A prompt that repeats one already drawn, or any
 * public text of the pack, is drawn again. Ids say nothing but the prompt's place: `private-1`, `private-2`...
 */
export function drawPrivatePrompts(pack: ChallengePack, seed: Buffer): PrivatePrompt[] {
  const spec = pack.private_prompts;
  if (!spec?.families || !spec.count)
    throw new BenchError('INVALID_CONFIG', `the ${pack.id} pack declares no private prompt families to draw from`);
  const draws = new SeededDraws(seed, `collab-desk private prompts ${pack.id}`);
  const order = [...spec.families];
  for (let i = order.length - 1; i > 0; i--) {
    const j = draws.below(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const taken = new Set(publicTexts(pack).map(normal));
  const prompts: PrivatePrompt[] = [];
  for (let i = 0; i < spec.count; i++) {
    const family = order[i % order.length]!;
    let text: string | null = null;
    for (let attempt = 0; attempt < 1000 && text === null; attempt++) {
      const chosen = new Map<string, string>();
      const candidate = family.template.replace(PLACEHOLDER, (_, slot: string) => {
        if (!chosen.has(slot)) {
          const values = family.slots[slot]!;
          chosen.set(slot, valueAt(values, draws.below(sizeOf(values))));
        }
        return chosen.get(slot)!;
      });
      if (!taken.has(normal(candidate))) text = candidate;
    }
    if (text === null)
      throw new BenchError(
        'INVALID_CONFIG',
        `the ${pack.id} pack's family "${family.id}" keeps drawing prompts already taken; give it more slot values`,
      );
    taken.add(normal(text));
    prompts.push({ id: `private-${i + 1}`, text });
  }
  return prompts;
}

/** Every text of the pack anyone can read: its public prompts and its calibration prompts. */
function publicTexts(pack: ChallengePack): string[] {
  return [...pack.prompts.filter((p) => p.split === 'public').map((p) => p.text), ...(pack.calibration?.prompts ?? [])];
}

/**
 * Checks a private set against its pack: ids well formed and unique (and not a public prompt's), texts present, within
 * the length limit, distinct, and none of them a public text. Messages name prompts by place and id, never by text:
 * they reach a terminal, and maybe a log.
 */
export function checkPrivatePrompts(prompts: PrivatePrompt[], pack: ChallengePack, where: string): void {
  if (prompts.length === 0)
    throw new BenchError('INVALID_CONFIG', `${where} holds no prompts: give at least one {"id": "...", "text": "..."}`);
  if (prompts.length > MAX_PRIVATE_PROMPTS)
    throw new BenchError(
      'INVALID_CONFIG',
      `${where} holds ${prompts.length} prompts; at most ${MAX_PRIVATE_PROMPTS} (each is measured at every repeat of every verification)`,
    );
  const publicIds = new Set(pack.prompts.filter((p) => p.split === 'public').map((p) => p.id));
  const publicText = new Map<string, string>(
    (pack.calibration?.prompts ?? []).map((t, i) => [normal(t), `calibration prompt ${i + 1}`]),
  );
  for (const p of pack.prompts) if (p.split === 'public') publicText.set(normal(p.text), `public prompt "${p.id}"`);
  const ids = new Map<string, number>();
  const texts = new Map<string, string>();
  for (const [i, p] of prompts.entries()) {
    const at = `${where}: prompt ${i + 1}${ID.test(p.id) ? ` ("${p.id}")` : ''}`;
    if (!ID.test(p.id))
      throw new BenchError(
        'INVALID_CONFIG',
        `${at}: its id is not a valid id: use 1-64 lowercase letters, digits, '.', '_' or '-', starting and ending with a letter or digit`,
      );
    if (ids.has(p.id))
      throw new BenchError(
        'INVALID_CONFIG',
        `${at}: id "${p.id}" is used twice (also by prompt ${ids.get(p.id)! + 1}); give every prompt its own id`,
      );
    if (publicIds.has(p.id))
      throw new BenchError('INVALID_CONFIG', `${at}: id "${p.id}" is a public prompt's id; rename it`);
    ids.set(p.id, i);
    if (p.text.trim() === '') throw new BenchError('INVALID_CONFIG', `${at}: the text is empty`);
    if (p.text.length > MAX_PROMPT_CHARS)
      throw new BenchError(
        'INVALID_CONFIG',
        `${at}: the text is ${p.text.length} characters; at most ${MAX_PROMPT_CHARS}`,
      );
    const key = normal(p.text);
    const open = publicText.get(key);
    if (open)
      throw new BenchError(
        'INVALID_CONFIG',
        `${at}: the text is the same as ${open} of the pack, which anyone can read; a private prompt must be one no agent has seen`,
      );
    if (texts.has(key))
      throw new BenchError(
        'INVALID_CONFIG',
        `${at}: the text is the same as prompt "${texts.get(key)}"; every private prompt must be different`,
      );
    texts.set(key, p.id);
  }
}

/**
 * Reads the organizer's private prompts: a JSON array of {id, text} (or {"prompts": [...]}), or JSON lines, one
 * {id, text} a line. Other fields are ignored. A parse error says where, never what the text there is.
 */
export function readPrivatePromptsFile(file: string, pack: ChallengePack): PrivatePrompt[] {
  const where = `--private-prompts ${file}`;
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BenchError(
      'INVALID_CONFIG',
      `${where}: cannot read it (${code === 'ENOENT' ? 'no such file' : (code ?? (err as Error).message)})`,
    );
  }
  const body = raw.replace(/^\uFEFF/, '');
  const text = body.trim();
  if (text === '')
    throw new BenchError(
      'INVALID_CONFIG',
      `${where} is empty: give a JSON array of {"id": "...", "text": "..."}, or one such object a line`,
    );
  // A whole JSON document first; failing that, JSON lines (one object a line).
  const whole = tryJson(text);
  let items: unknown[];
  if (whole.ok) items = toList(whole.value, where);
  else if (text.startsWith('{') && text.includes('\n')) {
    items = body.split('\n').flatMap((line, i) => {
      if (!line.trim()) return [];
      const parsed = tryJson(line);
      if (!parsed.ok) throw jsonError(parsed.error, line, where, i + 1);
      return [parsed.value];
    });
  } else if (text.startsWith('[') || text.startsWith('{')) throw jsonError(whole.error, text, where, null);
  else
    throw new BenchError(
      'INVALID_CONFIG',
      `${where} is neither JSON nor JSON lines: give a JSON array of {"id": "...", "text": "..."}, or one such object a line`,
    );
  const prompts = items.map((item, i) => {
    const { id, text: t } = (item ?? {}) as { id?: unknown; text?: unknown };
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new BenchError(
        'INVALID_CONFIG',
        `${where}: prompt ${i + 1} is not an object; each is {"id": "...", "text": "..."}`,
      );
    if (typeof id !== 'string')
      throw new BenchError(
        'INVALID_CONFIG',
        `${where}: prompt ${i + 1} has no "id" string; each is {"id": "...", "text": "..."}`,
      );
    if (typeof t !== 'string')
      throw new BenchError(
        'INVALID_CONFIG',
        `${where}: prompt ${i + 1} has no "text" string; each is {"id": "...", "text": "..."}`,
      );
    return { id, text: t };
  });
  checkPrivatePrompts(prompts, pack, where);
  return prompts;
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false; error: Error } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: err as Error };
  }
}

/** Where a JSON text fails, by line and column, quoting nothing of it (V8's own message quotes the text). */
function jsonError(error: Error, text: string, where: string, line: number | null): BenchError {
  const position = /position (\d+)/.exec(error.message);
  let at = line !== null ? `line ${line}` : 'it';
  if (position) {
    const before = text.slice(0, Number(position[1]));
    const column = before.length - before.lastIndexOf('\n');
    at = `line ${line ?? before.split('\n').length}, column ${column}`;
  }
  return new BenchError('INVALID_CONFIG', `${where}: ${at} is not valid JSON (check its quotes, commas and brackets)`);
}

function toList(data: unknown, where: string): unknown[] {
  const list = Array.isArray(data) ? data : (data as { prompts?: unknown } | null)?.prompts;
  if (Array.isArray(list)) return list;
  if (data && typeof data === 'object' && 'text' in data) return [data];
  throw new BenchError(
    'INVALID_CONFIG',
    `${where}: expected a JSON array of {"id": "...", "text": "..."} (or {"prompts": [...]})`,
  );
}
