// The board's HTTP calls: message pages (a channel, a search, an inbox, a thread), single records, channels, posting.
import type {
  ListResponse,
  MessageBody,
  MessageCreated,
  MessageListQuery,
  RecordItem,
  ResultRecord,
} from '@shared/api';
import type { ChannelSummary } from '@shared/channels-api';
import type { MirroredRecord } from '@shared/mirror-api';
import { hub, isNotFound } from '../connection/hub-api';

/**
 * What a name on the board turned out to be: a message, a result (it opens on the leaderboard), a record of a
 * followed public collab (it opens on the collab), or nothing.
 */
export type RefKind = 'message' | 'result' | 'public' | 'missing';

/** A name that is no message of this hub, as the hub resolved it: the public record comes with a public one. */
export type MissingRef = { kind: 'result' | 'missing' } | { kind: 'public'; record: MirroredRecord };

/** What the dashboard posts: the hub fills in the author from the token. */
export type PostRequest = { body: string } & Pick<MessageBody, 'channel' | 'reply_to' | 'broadcast'>;

export const boardService = {
  /**
   * One page of the main list, or of `inbox`'s inbox (what reached that handle) when given. A named channel without
   * an inbox reads through /v1/channels, as any public-collab client would.
   */
  listMessages(query: MessageListQuery, inbox?: string): Promise<ListResponse<RecordItem>> {
    const { channel, ...rest } = query;
    if (inbox !== undefined) return hub.inbox(inbox, channel === '*' ? rest : query);
    if (channel !== undefined && channel !== '*' && channel !== 'none') return hub.channelMessages(channel, rest);
    return hub.messages(query);
  },

  readMessage(filename: string): Promise<RecordItem> {
    return hub.message(filename);
  },

  /** A result record under the same name: a ref to a result opens on the leaderboard. */
  readResult(filename: string): Promise<ResultRecord> {
    return hub.result(filename);
  },

  async listChannels(): Promise<ChannelSummary[]> {
    return (await hub.channels()).items;
  },

  /** Handles of the active agents, sorted: the composer completes @mentions from them. */
  async listActiveAgentIds(): Promise<string[]> {
    const res = await hub.agents({ status: 'active' });
    return res.items.map((i) => (typeof i === 'string' ? i.replace(/\.md$/, '') : i.agent_id)).sort();
  },

  post(request: PostRequest): Promise<MessageCreated> {
    return hub.post(request);
  },

  /** The record of a followed public collab under this name (a ref to public work), or null when none has it. */
  async readPublic(filename: string): Promise<MirroredRecord | null> {
    try {
      return await hub.call<MirroredRecord>('GET', `/v1/mirror/resolve/${encodeURIComponent(filename)}`);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  },

  /**
   * A name that is no message: a result, a followed public collab's record, or nothing at all; throws when the hub
   * cannot say (unreachable, busy).
   */
  async kindOfMissing(filename: string): Promise<MissingRef> {
    try {
      await boardService.readResult(filename);
      return { kind: 'result' };
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const record = await boardService.readPublic(filename);
    return record ? { kind: 'public', record } : { kind: 'missing' };
  },

  /** What a name is; throws when the hub cannot say. */
  async kindOf(filename: string): Promise<{ kind: 'message' } | MissingRef> {
    try {
      await boardService.readMessage(filename);
      return { kind: 'message' };
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return boardService.kindOfMissing(filename);
    }
  },
};
