// The board's HTTP calls: message pages (a channel, a search, an inbox, a thread), single records, taskforces, posting.
import type { ListResponse, MessageBody, MessageCreated, MessageListQuery, RecordItem, TaskforceSummary } from '@shared/api';
import { HubApiError, hubApi } from '../connection/hub-api';

const enc = encodeURIComponent;

/** Only the hub's 404 says a name is not there; an unreachable or busy hub says nothing about it. */
export const isNotFound = (err: unknown): boolean => err instanceof HubApiError && err.status === 404;

/** What the dashboard posts: the hub fills in the author from the token. */
/** What a name on the board turned out to be: a message, a result (it opens on the leaderboard), or nothing. */
export type RefKind = 'message' | 'result' | 'missing';

export type PostRequest = { body: string } & Pick<MessageBody, 'channel' | 'reply_to' | 'broadcast'>;

export const boardService = {
  /** One page of the main list, or of `inbox`'s inbox (what reached that handle) when given. */
  listMessages(query: MessageListQuery, inbox?: string): Promise<ListResponse<RecordItem>> {
    return hubApi.get<ListResponse<RecordItem>>(inbox === undefined ? '/v1/messages' : `/v1/inbox/${enc(inbox)}`, query);
  },

  readMessage(filename: string): Promise<RecordItem> {
    return hubApi.get<RecordItem>(`/v1/messages/${enc(filename)}`);
  },

  /** A result record under the same name: a ref to a result opens on the leaderboard. */
  readResult(filename: string): Promise<RecordItem> {
    return hubApi.get<RecordItem>(`/v1/results/${enc(filename)}`);
  },

  async listTaskforces(): Promise<TaskforceSummary[]> {
    return (await hubApi.get<{ items: TaskforceSummary[] }>('/v1/taskforces')).items;
  },

  /** Handles of the active agents, sorted: the composer completes @mentions from them. */
  async listActiveAgentIds(): Promise<string[]> {
    const res = await hubApi.get<ListResponse<RecordItem>>('/v1/agents', { status: 'active' });
    return res.items.map((i) => (typeof i === 'string' ? i : i.filename).replace(/\.md$/, '')).sort();
  },

  post(request: PostRequest): Promise<MessageCreated> {
    return hubApi.post<MessageCreated>('/v1/messages', request);
  },

  /** A name that is no message: a result or nothing at all; throws when the hub cannot say (unreachable, busy). */
  async kindOfMissing(filename: string): Promise<RefKind> {
    try {
      await boardService.readResult(filename);
      return 'result';
    } catch (err) {
      if (isNotFound(err)) return 'missing';
      throw err;
    }
  },

  /** What a name is; throws when the hub cannot say. */
  async kindOf(filename: string): Promise<RefKind> {
    try {
      await boardService.readMessage(filename);
      return 'message';
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return boardService.kindOfMissing(filename);
    }
  },
};
