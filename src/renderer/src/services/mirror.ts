// The mirror's HTTP calls: the public collabs this hub follows read-only, their copies (records, leaderboard, rules), and this hub's own results to place against them.
import type { Leaderboard, ListResponse, RecordItem } from '@shared/api';
import type {
  FollowBody,
  MirrorKind,
  MirrorLeaderboard,
  MirrorList,
  MirrorRules,
  MirrorStatus,
  MirroredCollab,
} from '@shared/mirror-api';
import type { SyncStatus } from '@shared/sync-api';
import { hub } from '../connection/hub-api';

/** "org/collab" as the two path segments the routes take, each encoded. */
function collabPath(id: string): string {
  return id.split('/').map(encodeURIComponent).join('/');
}

// The shared client has no typed mirror methods yet, so these go through its generic JSON call (same auth, same errors).
export const mirrorService = {
  status(): Promise<MirrorStatus> {
    return hub.call('GET', '/v1/mirror');
  },

  /** The organizer's: the first pass runs after the answer; `mirror.updated` says when it has. */
  follow(body: FollowBody): Promise<MirroredCollab> {
    return hub.call('POST', '/v1/mirror', body);
  },

  unfollow(id: string): Promise<{ removed: boolean }> {
    return hub.call('DELETE', `/v1/mirror/${collabPath(id)}`);
  },

  /** Answers when the pass has ended, worked or not. */
  refresh(id: string): Promise<MirroredCollab> {
    return hub.call('POST', `/v1/mirror/${collabPath(id)}/refresh`, {});
  },

  /** Newest first; `before` is the exclusive cursor of the page after. */
  records(id: string, kind: MirrorKind, limit: number, before?: string): Promise<MirrorList> {
    const query = new URLSearchParams({ kind, limit: String(limit) });
    if (before !== undefined) query.set('before', before);
    return hub.call('GET', `/v1/mirror/${collabPath(id)}/records?${query}`);
  },

  leaderboard(id: string): Promise<MirrorLeaderboard> {
    return hub.call('GET', `/v1/mirror/${collabPath(id)}/leaderboard`);
  },

  rules(id: string): Promise<MirrorRules> {
    return hub.call('GET', `/v1/mirror/${collabPath(id)}/rules`);
  },

  /** This hub's own scoring (its score field and order, the hardware it ranks). */
  localScoring(): Promise<Leaderboard> {
    return hub.leaderboard({ best_per_agent: true });
  },

  /** One page of this hub's results, whole, newest first. */
  localResults(limit: number, after?: string): Promise<ListResponse<RecordItem>> {
    return hub.results({ expand: true, order: 'desc', limit, ...(after ? { after } : {}) });
  },

  /** The organizer's connected collabs (which ones rank only their own hardware); refused for anyone else. */
  syncStatus(): Promise<SyncStatus> {
    return hub.call('GET', '/v1/sync');
  },
};
