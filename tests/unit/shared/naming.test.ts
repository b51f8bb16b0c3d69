// Names the hub stamps and accepts: agent ids, human handles, stamped filenames, mentions, times.
import { describe, expect, it } from 'vitest';
import {
  fileStamp,
  frontmatterTimestamp,
  isHumanHandle,
  isValidAgentId,
  parseStampedFilename,
  stampedFilename,
} from '../../../src/shared/ids';
import { extractMentions } from '../../../src/shared/mentions';
import { parseTime } from '../../../src/hub/time-filter';

describe('agent ids', () => {
  it.each(['a', 'gemma-speed', 'x1', 'a'.repeat(40)])('accepts %s', (id) => expect(isValidAgentId(id)).toBe(true));
  it.each(['', 'A', 'Bad_ID', '-a', 'a-', 'a'.repeat(41), 'a b', 'ä'])('refuses %j', (id) =>
    expect(isValidAgentId(id)).toBe(false),
  );
  it('reserves human and human-* for people', () => {
    expect(isHumanHandle('human')).toBe(true);
    expect(isHumanHandle('human-pat')).toBe(true);
    expect(isHumanHandle('humane')).toBe(false);
  });
});

describe('stamped filenames', () => {
  it('sort in time order and read back', () => {
    const t = Date.UTC(2026, 10, 21, 9, 5, 7, 42);
    expect(fileStamp(t)).toBe('20261121-090507-042');
    expect(frontmatterTimestamp(t)).toBe('2026-11-21 09:05 UTC');
    expect(stampedFilename(t, 'ana')).toBe('20261121-090507-042_ana.md');
    expect(parseStampedFilename('20261121-090507-042_ana.md')).toEqual({ ms: t, author: 'ana' });
    expect(parseStampedFilename('notes.md')).toBeNull();
    expect(stampedFilename(t + 1, 'zed') > stampedFilename(t, 'ana')).toBe(true);
  });
});

describe('mentions', () => {
  it('finds distinct @handles in order and skips e-mail addresses', () => {
    expect(extractMentions('@bob and @ann, then @bob again; mail me@x.org (@cy)')).toEqual(['bob', 'ann', 'cy']);
    expect(extractMentions('@Bob is not lowercase, @human-pat is')).toEqual(['human-pat']);
  });
});

describe('since/until times', () => {
  const t = Date.UTC(2026, 10, 21, 22, 5, 0);
  it.each([
    ['2026-11-21T22:05:00Z'],
    ['2026-11-21T22:05:00'],
    ['2026-11-21 22:05 UTC'],
    ['20261121-220500'],
    ['20261121-220500-000'],
    [String(t)],
  ])('reads %s', (v) => {
    expect(parseTime(v, 'since')).toBe(t);
  });
  it('reads a bare date as midnight UTC and refuses nonsense with INVALID_QUERY', () => {
    expect(parseTime('2026-11-21', 'since')).toBe(Date.UTC(2026, 10, 21));
    expect(() => parseTime('yesterday', 'since')).toThrow(/since="yesterday" is not a time/);
  });
});
