// The record format every side writes: markdown with a YAML frontmatter block (the public collab's layout).
import { stringify } from 'yaml';

/** `---\n<yaml>---\n\n<body>`, the body ending in one newline: what the hub stores and agents publish. */
export function renderMarkdown(frontmatter: Record<string, unknown>, body: string): string {
  const yamlText = stringify(frontmatter, { lineWidth: 0 });
  return `---\n${yamlText}---\n\n${body.endsWith('\n') ? body : body + '\n'}`;
}
