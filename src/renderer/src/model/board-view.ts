// What a board message says about itself (author, time, channel, thread) and which view it belongs to: pure, so the store and the rows agree.
import type { RecordItem } from '@shared/api';
import { extractMentions } from '@shared/mentions';
import { parseStampedFilename } from '@shared/ids';

/** A channel of the board: every message, the general board (no channel), or one channel by its name. */
export type ChannelId = string;
/** Colons never appear in a channel name, so these cannot collide with a channel named "all" or "general". */
export const ALL: ChannelId = ':all';
export const GENERAL: ChannelId = ':general';

export interface BoardView {
  channel: ChannelId;
  /** Case-insensitive substring, as the hub's `q=`. */
  q: string;
  /** Only what reached the person's inbox: mentions, replies to them, refs to their posts, broadcasts. */
  mine: boolean;
}

export const isNamedChannel = (channel: ChannelId): boolean => !channel.startsWith(':');

/** A search or the @me filter shows replies in place; a plain channel folds them into their threads. */
export const isFiltered = (view: BoardView): boolean => view.q !== '' || view.mine;

export function authorOf(m: RecordItem): string {
  const agent = m.frontmatter.agent;
  return typeof agent === 'string' ? agent : (parseStampedFilename(m.filename)?.author ?? 'unknown');
}

/** The exact stamp time from the file name (the frontmatter keeps minutes only). */
export function timeOf(m: RecordItem): number {
  return parseStampedFilename(m.filename)?.ms ?? Date.parse(String(m.frontmatter.timestamp ?? '').replace(' UTC', 'Z'));
}

export function channelOf(m: RecordItem): string | null {
  const channel = m.frontmatter.channel;
  return typeof channel === 'string' && channel !== '' ? channel : null;
}

/** The thread root a reply belongs to; null for a message that is not a reply. */
export function threadOf(m: RecordItem): string | null {
  const thread = m.frontmatter.thread ?? m.frontmatter.reply_to;
  return typeof thread === 'string' && thread !== '' ? thread : null;
}

export function typeOf(m: RecordItem): string {
  return typeof m.frontmatter.type === 'string' ? m.frontmatter.type : 'agent';
}

/** The types every post gets by default say nothing; any other type is worth a badge. */
export const PLAIN_TYPES = new Set(['agent', 'user']);

export function refsOf(m: RecordItem): string[] {
  const refs = m.frontmatter.refs;
  if (Array.isArray(refs)) return refs.filter((r): r is string => typeof r === 'string');
  return typeof refs === 'string' ? refs.split(/[,\s]+/).filter((r) => r.endsWith('.md')) : [];
}

export const isBroadcast = (m: RecordItem): boolean => m.frontmatter.broadcast === true;

/** The author a stamped file name carries, so "a reply to my post" is known without reading the post. */
function authorOfName(filename: string): string | null {
  return parseStampedFilename(filename)?.author ?? null;
}

/** What the hub copies into `handle`'s inbox (board.ts): mentions, replies to it, refs to its posts, broadcasts. */
export function concerns(m: RecordItem, handle: string): boolean {
  if (isBroadcast(m)) return true;
  if (authorOf(m) === handle) return false;
  if (extractMentions(m.body).includes(handle)) return true;
  const replyTo = m.frontmatter.reply_to;
  if (typeof replyTo === 'string' && authorOfName(replyTo) === handle) return true;
  return refsOf(m).some((r) => authorOfName(r) === handle);
}

/** Whether a message that just arrived belongs in the list the person is looking at. */
export function matchesView(m: RecordItem, view: BoardView, me: string): boolean {
  if (view.channel === GENERAL && channelOf(m) !== null) return false;
  if (isNamedChannel(view.channel) && channelOf(m) !== view.channel) return false;
  if (view.q !== '') {
    const q = view.q.toLowerCase();
    if (!m.body.toLowerCase().includes(q) && !m.filename.toLowerCase().includes(q)) return false;
  }
  return !view.mine || concerns(m, me);
}

/** The channel a message counts as unread in. */
export const channelIdOf = (m: RecordItem): ChannelId => channelOf(m) ?? GENERAL;

/** The rows of a list: a plain channel shows thread roots only (replies live in the thread pane). */
export function visibleRows(messages: RecordItem[], view: BoardView): RecordItem[] {
  return isFiltered(view) ? messages : messages.filter((m) => threadOf(m) === null);
}

export interface ThreadStats {
  count: number;
  /** The newest reply's time. */
  last: number;
}

/** Replies per thread root among loaded messages: exact in a plain channel, whose pages run back from now without gaps. */
export function threadStats(messages: RecordItem[]): Map<string, ThreadStats> {
  const stats = new Map<string, ThreadStats>();
  for (const m of messages) {
    const root = threadOf(m);
    if (root === null) continue;
    const entry = stats.get(root);
    if (entry) {
      entry.count++;
      entry.last = timeOf(m);
    } else stats.set(root, { count: 1, last: timeOf(m) });
  }
  return stats;
}

/** Merges two ascending lists by file name (stamped names sort in time order), dropping duplicates. */
export function mergeByName(a: RecordItem[], b: RecordItem[]): RecordItem[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  // The common case, a live arrival after everything loaded: append without re-sorting.
  if (b[0]!.filename > a[a.length - 1]!.filename) return [...a, ...b];
  if (b[b.length - 1]!.filename < a[0]!.filename) return [...b, ...a];
  const out: RecordItem[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x.filename < y.filename)) {
      out.push(x!);
      i++;
    } else if (x === undefined || y.filename < x.filename) {
      out.push(y);
      j++;
    } else {
      out.push(y);
      i++;
      j++;
    }
  }
  return out;
}

/** The text Quote puts in the composer: the message as a blockquote, then a mention of its author. */
export function quoteText(m: RecordItem, me: string): string {
  const lines = m.body.trim().split('\n');
  const shown = lines.length > 12 ? [...lines.slice(0, 12), '…'] : lines;
  const quoted = shown.map((line) => (line === '' ? '>' : `> ${line}`)).join('\n');
  const author = authorOf(m);
  return `${quoted}\n\n${author === me ? '' : `@${author} `}`;
}

/** The "@al" being typed at the caret, if any: where it starts and the letters so far. */
export function mentionAtCaret(text: string, caret: number): { start: number; prefix: string } | null {
  const before = text.slice(0, caret);
  const m = /(?:^|[^\w@.])@([a-z0-9-]*)$/i.exec(before);
  if (!m) return null;
  return { start: caret - m[1]!.length - 1, prefix: m[1]!.toLowerCase() };
}

/** Handles that start with the prefix first, then ones that contain it. */
export function mentionCandidates(handles: string[], prefix: string, limit = 8): string[] {
  const starts = handles.filter((h) => h.startsWith(prefix));
  const contains = prefix === '' ? [] : handles.filter((h) => !h.startsWith(prefix) && h.includes(prefix));
  return [...starts, ...contains].slice(0, limit);
}

export type PostedVerdict = 'valid' | 'invalid' | 'pending' | 'unverified';

/**
 * The verdict a verifier's post (`type: verification`) gives, from its first line in the public verifier's words
 * ("**VERIFIED VALID**", "**INVALID**", "stays pending", "stays unverified"); null for any other message.
 */
export function verdictOf(m: RecordItem): PostedVerdict | null {
  if (typeOf(m) !== 'verification') return null;
  // Only the hub's own verdict posts (by `verifier`, stamped via server): anyone may post a message typed
  // "verification", and its words must not colour a result green.
  if (m.frontmatter.via !== 'server' || m.frontmatter.agent !== 'verifier') return null;
  // The organizer's verdict stands over the verifier's: the post's first words are then not the result's state.
  if (/organizer's verdict on this result stands/.test(m.body)) return null;
  const stated = m.frontmatter.verdict;
  if (stated === 'valid' || stated === 'invalid' || stated === 'pending' || stated === 'unverified') return stated;
  const head = m.body.trimStart().split('\n', 1)[0] ?? '';
  if (/\*\*VERIFIED VALID\*\*/.test(head)) return 'valid';
  if (/\*\*INVALID\*\*/.test(head)) return 'invalid';
  if (/stays pending/.test(head)) return 'pending';
  if (/stays unverified/.test(head)) return 'unverified';
  return null;
}

/**
 * The body as the board shows it: a verdict post says its verdict once (its first line), so the hub's second
 * "verification of <file>: **invalid**." is dropped and the note after it kept.
 */
export function displayBody(m: RecordItem): string {
  if (verdictOf(m) === null) return m.body;
  return m.body.replace(/(^|\n)verification of \S+: (?:\*\*\w+\*\*|no verdict yet)\.\s*/, '$1');
}
