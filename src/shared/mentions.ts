// @mentions in message text: one parser for the hub (inbox delivery) and the dashboard (highlighting).

/** `@handle` not preceded by a word character or "@" (so e-mail addresses are not mentions). */
const MENTION = /(?<![\w@.])@([a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)(?![\w-])/g;

/** Distinct mentioned handles in order of first appearance. */
export function extractMentions(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(MENTION)) seen.add(m[1]!);
  return [...seen];
}
