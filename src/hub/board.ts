// Posting to the board: stamping, threads, channels, and inbox delivery to mentions, reply and ref authors.
import { createHash } from 'node:crypto';
import type { MessageCreated, Via } from '../shared/api';
import {
  frontmatterTimestamp,
  isHumanInbox,
  isValidAgentId,
  parseStampedFilename,
  stampedFilename,
} from '../shared/ids';
import { extractMentions } from '../shared/mentions';
import type { HubContext } from './hub-context';
import { HubError } from './hub-error';
import { scratchPathOf } from './bucket-source';
import { requireChannel } from './channels';
import { authorOf, type Caller } from './identity';
import { parseMarkdown } from './markdown';
import { perHour, perMinute } from './rate-limiter';
import type { InboxReason } from './store/message-store';

/** What posting needs: the limits and their buckets, the caller's scratch folder, the board's tables, the write path. */
export type BoardContext = Pick<
  HubContext,
  | 'config'
  | 'limiter'
  | 'workspace'
  | 'agents'
  | 'messages'
  | 'results'
  | 'channels'
  | 'organizerHandle'
  | 'write'
  | 'stampTime'
>;

/** What a client asked to post, from a JSON body or a scratch file, before the hub checks and stamps it. */
export interface PostRequest {
  body?: string;
  source?: string;
  agent_id?: string;
  type?: string;
  refs?: string | string[];
  channel?: string;
  reply_to?: string;
  broadcast?: boolean;
}

/** Text posted to the hub must be UTF-8; a binary file posted as a message is refused, not mangled. */
export function decodeUtf8(bytes: Buffer, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new HubError('INVALID_BODY', `${what} is not UTF-8 text`, 'post a text (markdown) file');
  }
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A record's file name: one path segment ending in `.md`, no control characters. */
function isRecordName(name: string): boolean {
  return name.endsWith('.md') && ![...name].some((c) => c === '/' || c === '\\' || c.charCodeAt(0) < 0x20);
}

/**
 * Public clients send refs as one string ("a.md, b.md"); lists work too. Only `.md` names count, and a value that
 * is neither (`refs: 42`) names nothing: the public collab ignores what it cannot read as filenames rather than
 * refusing the message, and an agent's post is worth more than its citation.
 */
export function parseRefs(value: unknown, where: string): string[] {
  const tokens: unknown[] = typeof value === 'string' ? value.split(/[,\s]+/) : Array.isArray(value) ? value : [];
  const names = tokens.filter((t): t is string => typeof t === 'string').map((t) => t.trim());
  const refs = [...new Set(names.filter(isRecordName))];
  if (refs.length > 20)
    throw new HubError('INVALID_FRONTMATTER', `${where} "refs" names more than 20 records`, 'cite the few that matter');
  return refs;
}

/**
 * The author a cited filename names, read as the public collab reads it: `{stamp}_{author}.md` (a message or
 * result) or `{agent}.md` (a registration); null when that is no valid handle.
 */
export function refAuthor(filename: string): string | null {
  const stamped = parseStampedFilename(filename);
  const author = stamped ? stamped.author : filename.slice(0, -'.md'.length);
  return isValidAgentId(author) ? author : null;
}

function optionalString(fm: Record<string, unknown>, key: string): string | undefined {
  const v = fm[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw new HubError('INVALID_FRONTMATTER', `frontmatter field "${key}" must be a string`, `write ${key}: <text>`);
  return v;
}

/** Source-based writes share one budget per agent (burst, then a steady rate), as in the public collab. */
export function rateLimitWrite(hub: Pick<HubContext, 'config' | 'limiter'>, caller: Caller): void {
  if (caller.kind !== 'agent') return;
  const l = hub.config.limits;
  hub.limiter.take(`write:${caller.handle}`, 'writes', [perMinute(l.writes_per_minute, l.writes_burst)]);
}

export function rateLimitRaw(hub: Pick<HubContext, 'config' | 'limiter'>, caller: Caller): void {
  if (caller.kind !== 'agent') return;
  const l = hub.config.limits;
  hub.limiter.take(`raw:${caller.handle}`, 'raw messages', [
    perMinute(l.raw_messages_per_minute),
    perHour(l.raw_messages_per_hour),
  ]);
}

/** Reads the text of a post: the JSON body (raw) or a file from the caller's scratch folder (bucket). */
export async function postText(
  hub: Pick<HubContext, 'config' | 'limiter' | 'workspace'>,
  caller: Caller,
  req: PostRequest,
): Promise<{ text: string; fm: Record<string, unknown>; via: Via; sourceSha: string | null }> {
  if ((req.body === undefined) === (req.source === undefined)) {
    throw new HubError(
      'BODY_OR_SOURCE_REQUIRED',
      'send exactly one of "body" (the text) or "source" (a file in your scratch folder)',
      '{"body": "..."} or {"source": "notes/update.md"}',
    );
  }
  const max = hub.config.limits.message_body_bytes;
  if (req.source !== undefined) {
    if (caller.kind !== 'agent')
      throw new HubError(
        'INVALID_BODY',
        'the organizer has no scratch folder to post from',
        'send {"body": "..."} instead',
      );
    // The bucket is checked before the budget is spent: a refused source costs nothing, as on the public collab.
    const path = scratchPathOf(hub, caller, req.source);
    rateLimitWrite(hub, caller);
    const bytes = await hub.workspace.readSource(caller.handle, path, max);
    const parsed = parseMarkdown(decodeUtf8(bytes, `"${req.source}"`));
    return { text: parsed.body, fm: parsed.frontmatter, via: 'bucket', sourceSha: sha256(bytes) };
  }
  const text = req.body!;
  if (Buffer.byteLength(text) > max) {
    throw new HubError(
      'PAYLOAD_TOO_LARGE',
      `the text is longer than ${max} bytes`,
      'shorten it, or write the detail to a scratch file and link it',
    );
  }
  rateLimitRaw(hub, caller);
  return { text, fm: {}, via: caller.kind === 'organizer' ? 'dashboard' : 'raw', sourceSha: null };
}

/** Checks, stamps and stores one message, and copies it into the inboxes it concerns (at most the configured cap). */
export async function postMessage(
  hub: BoardContext,
  caller: Caller,
  req: PostRequest,
  defaults: { channel?: string; type?: string; via?: Via } = {},
): Promise<MessageCreated> {
  // The channel gate comes first, as in the public collab: nothing is read or charged for a post that cannot land.
  if (req.channel !== undefined) {
    if (req.broadcast)
      throw new HubError(
        'INVALID_BODY',
        '"channel" and "broadcast" cannot go together: a broadcast reaches every inbox, a channel post its channel',
        'leave one of them out',
      );
    requireChannel(hub, req.channel);
  }
  const author = authorOf(hub, caller, req.agent_id);
  const { text, fm, via: postedVia, sourceSha } = await postText(hub, caller, req);
  // The hub's own posts (the verifier's) say so, as the public collab's server-authored ones do (via: server).
  const via = defaults.via ?? postedVia;
  if (text.trim() === '')
    throw new HubError('INVALID_BODY', 'the message text is empty', 'write something for the others to read');
  if ('broadcast' in fm || (req.broadcast && caller.kind !== 'organizer')) {
    throw new HubError(
      'NOT_ORGANIZER',
      'only the organizer can broadcast',
      'mention the agents you want to reach instead',
    );
  }
  const broadcast = req.broadcast === true;
  const type =
    req.type ?? optionalString(fm, 'type') ?? defaults.type ?? (caller.kind === 'organizer' ? 'user' : 'agent');
  const refs = req.refs !== undefined ? parseRefs(req.refs, 'request') : parseRefs(fm.refs, 'frontmatter');
  if ('channel' in fm)
    throw new HubError(
      'INVALID_FRONTMATTER',
      'channel frontmatter is stamped by the hub',
      'pass "channel" in the POST /v1/messages request body instead',
    );
  let channel = req.channel ?? defaults.channel ?? null;
  const replyTo = req.reply_to ?? optionalString(fm, 'reply_to') ?? null;

  const recipients = new Map<string, InboxReason>();
  const addRecipient = (handle: string, reason: InboxReason) => {
    if (handle !== author && !recipients.has(handle)) recipients.set(handle, reason);
  };
  for (const handle of extractMentions(text)) {
    if (isHumanInbox(handle) || hub.agents.get(handle)) addRecipient(handle, 'mention');
  }
  let thread: string | null = null;
  if (replyTo !== null) {
    const parent = hub.messages.get(replyTo);
    if (!parent)
      throw new HubError(
        'INVALID_REF',
        `reply_to: no message "${replyTo}"`,
        'GET /v1/messages lists messages and their filenames',
      );
    thread = parent.thread ?? parent.filename;
    if (channel === null) channel = parent.channel;
    else if (channel !== parent.channel)
      throw new HubError(
        'INVALID_REF',
        `a reply stays in its thread's channel (${parent.channel ?? 'the main board'})`,
        'leave "channel" out when replying',
      );
    addRecipient(parent.agent, 'reply');
  }
  for (const ref of refs) {
    // A record of this hub names its author; a filename it lacks (cited from another collab, or not yet synced) is
    // routed as the public collab routes it, to the author its name gives, when that author can receive mail here.
    const target = hub.messages.get(ref) ?? hub.results.get(ref);
    if (target) {
      addRecipient(target.agent, 'ref');
      continue;
    }
    const author = refAuthor(ref);
    if (author !== null && (isHumanInbox(author) || hub.agents.get(author))) addRecipient(author, 'ref');
  }
  if (channel !== null) requireChannel(hub, channel);
  const delivered = broadcast ? [] : [...recipients].slice(0, hub.config.limits.inbox_recipients);

  return hub.write(() => {
    if (sourceSha !== null) {
      const existing = hub.messages.filenameOfSource(sourceSha);
      if (existing)
        throw new HubError('ALREADY_PROMOTED', 'this file was already posted', `existing filename: ${existing}`);
    }
    const ts = hub.stampTime();
    const filename = stampedFilename(ts, author);
    const frontmatter: Record<string, unknown> = {
      ...fm,
      agent: author,
      timestamp: frontmatterTimestamp(ts),
      via,
      type,
    };
    // Stored as understood: the filenames, or nothing when the value named none (refs: 42 is not kept as a citation).
    if (refs.length) frontmatter.refs = refs;
    else delete frontmatter.refs;
    if (channel !== null) frontmatter.channel = channel;
    if (replyTo !== null) Object.assign(frontmatter, { reply_to: replyTo, thread });
    if (broadcast) frontmatter.broadcast = true;
    hub.messages.insert({
      filename,
      agent: author,
      ts,
      type,
      via,
      channel,
      reply_to: replyTo,
      thread,
      broadcast: broadcast ? 1 : 0,
      source_sha256: sourceSha,
      frontmatter: JSON.stringify(frontmatter),
      body: text,
    });
    for (const [handle, reason] of delivered) hub.messages.deliver(handle, { filename, ts }, reason);
    // Posting is the strongest sign of interest: it subscribes the author, in the same write.
    const autoSubscribed = channel !== null && hub.channels.subscribe(channel, author, 'auto', ts);
    const result: MessageCreated = {
      filename,
      via,
      path: channel === null ? `message_board/${filename}` : `channels/${channel}/${filename}`,
      mentions_delivered: delivered.map(([h]) => h),
      broadcast,
      channel,
      thread,
      auto_subscribed: autoSubscribed,
    };
    return { result, effect: { actor: author, action: 'message.created', target: filename } };
  });
}
