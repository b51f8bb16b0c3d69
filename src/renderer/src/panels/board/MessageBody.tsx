// A message's text: the shared sanitizing <Markdown> for anything with markup, and plain paragraphs for plain prose.
import { memo } from 'react';
import { Markdown } from '../../components/Markdown';

/**
 * Characters and line shapes that could mean markup (emphasis, code, links, HTML, entities, tables, lists, headings,
 * quotes, autolinks, e-mail links, hard breaks). Text with none of them renders the same as paragraphs of text, so it
 * skips the markdown parser: the parse is most of the cost of a row that scrolls into view.
 */
const MARKUP_CHARS = /[*_`[\]<>#|~!&\\=]/;
const MARKUP_LINES = /^(?: {4}|\t|\s*(?:[-+]|\d+[.)])\s)|^\s*-+\s*$| {2,}$/m;
const AUTOLINK = /https?:|www\.|mailto:|[\w.+-]@[\w-]+\./i;

export function isPlainProse(text: string): boolean {
  return !MARKUP_CHARS.test(text) && !MARKUP_LINES.test(text) && !AUTOLINK.test(text);
}

export const MessageBody = memo(function MessageBody({ text }: { text: string }) {
  if (!isPlainProse(text)) return <Markdown text={text} className="board-body" />;
  const paragraphs = text.trim().split(/\n\s*\n/);
  return (
    <div className="markdown board-body">
      {paragraphs.map((p, i) => (
        <p key={i}>{p}</p>
      ))}
    </div>
  );
});
