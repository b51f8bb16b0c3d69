// The public-collab HTTP calls (organizer only): Hugging Face sign-in, connected collabs and their agents, preview and publish, the outbox.
import type { ListResponse } from '@shared/api';
import type {
  CollabAgent,
  CollabRegisterBody,
  OutboxItem,
  OutboxList,
  PublishBody,
  PublishPreview,
  SyncCollab,
  SyncDiscoverList,
  SyncLoginBody,
  SyncLoginResponse,
  SyncLogoutResponse,
  SyncStatus,
} from '@shared/sync-api';
import { hub } from '../connection/hub-api';

// The shared client has no typed sync methods yet, so these go through its generic JSON call (same auth, same errors).
export const syncService = {
  status(): Promise<SyncStatus> {
    return hub.call('GET', '/v1/sync');
  },

  /** `{}` starts a device-code sign-in; `{token}` signs in with a pasted token. */
  login(body: SyncLoginBody): Promise<SyncLoginResponse> {
    return hub.call('POST', '/v1/sync/login', body);
  },

  /** Removes the login this machine's sign-in wrote; answers where it was and which logins elsewhere it left. */
  logout(): Promise<SyncLogoutResponse> {
    return hub.call('POST', '/v1/sync/logout', {});
  },

  connect(target: string): Promise<SyncCollab> {
    return hub.call('POST', '/v1/sync/collabs', { target });
  },

  /** The collab dashboards on the Hugging Face Hub (Spaces tagged agent-collab), each marked when connected here. */
  discover(): Promise<SyncDiscoverList> {
    return hub.call('GET', '/v1/sync/discover');
  },

  register(body: CollabRegisterBody): Promise<CollabAgent> {
    return hub.call('POST', '/v1/sync/agents', body);
  },

  preview(body: PublishBody): Promise<PublishPreview> {
    return hub.call('POST', '/v1/sync/preview', body);
  },

  /** Queues what the preview with this digest showed; the hub answers 202 with the outbox item. */
  publish(body: PublishBody & { digest: string }): Promise<OutboxItem> {
    return hub.call('POST', '/v1/sync/publish', body);
  },

  async outbox(): Promise<OutboxItem[]> {
    return (await hub.call<OutboxList>('GET', '/v1/sync/outbox')).items;
  },

  retry(id: string): Promise<OutboxItem> {
    return hub.call('POST', `/v1/sync/outbox/${encodeURIComponent(id)}/retry`, {});
  },

  cancel(id: string): Promise<OutboxItem> {
    return hub.call('POST', `/v1/sync/outbox/${encodeURIComponent(id)}/cancel`, {});
  },

  /** The newest local results, whole, for the publish picker. */
  recentResults(limit: number): Promise<ListResponse> {
    return hub.results({ expand: true, order: 'desc', limit });
  },
};
