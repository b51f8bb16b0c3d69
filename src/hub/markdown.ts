// Records as markdown with YAML frontmatter, parsed (writing them is src/shared/record-format.ts): the hub's side.
import { parse } from 'yaml';
import { HubError } from './hub-error';

export interface MarkdownRecord {
  frontmatter: Record<string, unknown>;
  body: string;
}

const OPEN = /^---[ \t]*\r?\n/;
const CLOSE = /\r?\n---[ \t]*(?:\r?\n|$)/;

/** Splits `---\nyaml\n---\nbody`; text without a frontmatter block is all body. */
export function parseMarkdown(text: string): MarkdownRecord {
  const open = OPEN.exec(text);
  if (!open) return { frontmatter: {}, body: text };
  // A leading newline lets one pattern find the closing line even when the block is empty.
  const rest = '\n' + text.slice(open[0].length);
  const close = CLOSE.exec(rest);
  if (!close) {
    throw new HubError(
      'INVALID_FRONTMATTER',
      'the frontmatter block opened with "---" is never closed',
      'end the YAML block with a line holding only "---"',
    );
  }
  const yamlText = rest.slice(1, Math.max(1, close.index));
  const body = rest.slice(close.index + close[0].length).replace(/^\r?\n/, '');
  let data: unknown;
  try {
    data = yamlText.trim() === '' ? {} : parse(yamlText, { prettyErrors: false, maxAliasCount: 10 });
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    throw new HubError(
      'INVALID_FRONTMATTER',
      `the frontmatter is not valid YAML: ${msg}`,
      'write "key: value" lines between the two "---" lines',
    );
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new HubError(
      'INVALID_FRONTMATTER',
      'the frontmatter must be a mapping of keys to values',
      'write "key: value" lines between the two "---" lines',
    );
  }
  return { frontmatter: data as Record<string, unknown>, body };
}
