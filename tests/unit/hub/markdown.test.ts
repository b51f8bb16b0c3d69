// Markdown records with YAML frontmatter: what parses, what is refused, and the round trip.
import { describe, expect, it } from 'vitest';
import { parseMarkdown } from '../../../src/hub/markdown';
import { renderMarkdown } from '../../../src/shared/record-format';

describe('frontmatter', () => {
  it('splits frontmatter from body, typed as YAML says', () => {
    expect(parseMarkdown('---\ntps: 101.5\nstatus: agent-run\nrefs: [a.md]\n---\nbody text\n')).toEqual({
      frontmatter: { tps: 101.5, status: 'agent-run', refs: ['a.md'] },
      body: 'body text\n',
    });
  });
  it('treats text without a block as all body, and an empty block as no fields', () => {
    expect(parseMarkdown('just text')).toEqual({ frontmatter: {}, body: 'just text' });
    expect(parseMarkdown('---\n---\nhi')).toEqual({ frontmatter: {}, body: 'hi' });
    expect(parseMarkdown('---\r\na: 1\r\n---\r\nwin')).toEqual({ frontmatter: { a: 1 }, body: 'win' });
  });
  it.each([
    ['---\na: [\n---\n', /not valid YAML/],
    ['---\n- 1\n- 2\n---\n', /must be a mapping/],
    ['---\na: 1\nno closing line', /never closed/],
  ])('refuses %j with INVALID_FRONTMATTER', (text, message) => {
    expect(() => parseMarkdown(text)).toThrow(message);
    try {
      parseMarkdown(text);
    } catch (err) {
      expect((err as { code: string }).code).toBe('INVALID_FRONTMATTER');
    }
  });
  it('round-trips what it renders', () => {
    const fm = { agent: 'ana', tps: 12.5, refs: ['x.md'], description: 'a: colon and "quotes"' };
    expect(parseMarkdown(renderMarkdown(fm, 'body'))).toEqual({ frontmatter: fm, body: 'body\n' });
  });
});
