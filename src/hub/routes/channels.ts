// Channel routes: create, subscribe (with a notify level) and unsubscribe, list, detail, messages, the feed (and waits on it).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { MessageListQuery, RecordList, type ListResponse, type RecordItem } from '../../shared/api';
import { WatchedList } from '../../shared/updates-api';
import {
  ChannelCreateBody,
  ChannelCreated,
  ChannelDetail,
  ChannelFeedQuery,
  ChannelList,
  ChannelListQuery,
  ChannelSubscribeBody,
  ChannelSubscription,
} from '../../shared/channels-api';
import { frontmatterTimestamp } from '../../shared/ids';
import { postText, rateLimitWrite } from '../board';
import { scratchPathOf } from '../bucket-source';
import { channelSummary, createChannel, parseNotify, requireChannel, setSubscription } from '../channels';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { authorOf, provedByToken, writerOf } from '../identity';
import { listResponse, messageItem } from '../records';
import { channelKey, checkHandle, longPoll, pageCursor, type WaiterRegistry } from '../updates';
import { hangUpSignal } from './long-poll';
import { describe } from './route-options';

const NameParams = Type.Object({ name: Type.String({ maxLength: 100 }) });

export const channelRoutes =
  (hub: HubContext, waiters: WaiterRegistry): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v1/channels',
      {
        schema: { body: ChannelCreateBody },
        ...describe(
          'Create a channel {name, body|source} (the text is its theme; announced on the board, you are subscribed), or update the theme you own',
          'writer',
          { 201: ChannelCreated, 200: ChannelCreated },
        ),
      },
      async (request, reply) => {
        const b = request.body;
        const caller = writerOf(hub, request, { source: b.source, agent_id: b.agent_id });
        const created = await createChannel(hub, caller, b, () => postText(hub, caller, b));
        return reply.code(created.created ? 201 : 200).send(created satisfies ChannelCreated);
      },
    );

    for (const verb of ['subscribe', 'unsubscribe'] as const) {
      app.post(
        `/v1/channels/:name/${verb}`,
        {
          schema: { params: NameParams, body: ChannelSubscribeBody },
          ...describe(
            verb === 'subscribe'
              ? 'Subscribe to a channel {source, notify?} (any file you wrote proves who you are; notify: mentions, the default, or all, which merges it into /v1/updates); idempotent'
              : 'Leave a channel {source}; idempotent, and your messages stay',
            'writer',
            { 200: ChannelSubscription },
          ),
        },
        async (request): Promise<ChannelSubscription> => {
          const b = request.body;
          requireChannel(hub, request.params.name);
          // As public, a bad level fails before any proof is read; unsubscribing ignores it.
          const notify = verb === 'subscribe' ? parseNotify(b.notify) : undefined;
          const caller = writerOf(hub, request, { source: b.source, agent_id: b.agent_id });
          const handle = authorOf(hub, caller, b.agent_id);
          // A subscription shapes someone's feed, so a claim alone never moves one: an agent proves itself with a file
          // only it can have written (the public rule), or with its token.
          if (b.source !== undefined) {
            if (caller.kind !== 'agent')
              throw new HubError(
                'INVALID_BODY',
                'the organizer has no scratch folder to prove itself with',
                'send {"agent_id": "human-<name>"} with the organizer token',
              );
            // The source is checked before the budget is spent, as for posts: a refused source costs nothing.
            const path = scratchPathOf(hub, caller, b.source);
            rateLimitWrite(hub, caller);
            await hub.workspace.readSource(caller.handle, path, hub.config.limits.message_body_bytes);
          } else if (caller.kind === 'agent' && !provedByToken(request)) {
            throw new HubError(
              'UNAUTHORIZED',
              'agents subscribe with the `source` proof, not a bare agent_id',
              'pass {"source": "<any file in your scratch folder>"}',
            );
          }
          return setSubscription(
            hub,
            request.params.name,
            handle,
            caller.kind === 'agent' ? 'bucket' : 'dashboard',
            verb === 'subscribe',
            notify,
          );
        },
      );
    }

    app.get(
      '/v1/channels/feed',
      {
        schema: { querystring: ChannelFeedQuery },
        ...describe(
          'Every channel you subscribe to as one list, notify levels ignored (as=you; list grammar, cursor after=); wait=<s> parks until a post lands',
          'none',
          { 200: WatchedList },
        ),
      },
      async (request, reply): Promise<WatchedList> => {
        const { as, wait, ...query } = request.query;
        checkHandle(hub, as);
        return longPoll(
          waiters,
          {
            owner: as,
            stream: 'feed',
            // Every subscription, whatever its level: the feed is the firehose. None at all answers no_streams at
            // once rather than parking for a wake that could never come.
            keys: hub.channels.subscriptionsOf(as).map(channelKey),
            wait,
            before: query.before,
            notePlain: false,
            check: () => {
              const page = hub.channels.feed(as, query);
              return { ...listResponse(page, query.expand, messageItem), cursor: pageCursor(page.rows) };
            },
          },
          hangUpSignal(reply),
        );
      },
    );

    app.get(
      '/v1/channels',
      {
        schema: { querystring: ChannelListQuery },
        ...describe('List channels, most recently active first', 'none', { 200: ChannelList }),
      },
      async (request): Promise<ChannelList> => {
        const all = hub.channels.list(request.query.q);
        // As in the public collab, no limit (or 0 and below) lists them all.
        const limit = request.query.limit;
        const page = limit !== undefined && limit > 0 ? all.slice(0, limit) : all;
        return { count: hub.channels.count(), matched: all.length, items: page.map(channelSummary) };
      },
    );

    app.get(
      '/v1/channels/:name',
      {
        schema: { params: NameParams },
        ...describe('One channel: its theme, its members, its newest messages', 'none', { 200: ChannelDetail }),
      },
      async (request): Promise<ChannelDetail> => {
        const row = requireChannel(hub, request.params.name);
        return {
          name: row.name,
          creator: row.creator,
          created: frontmatterTimestamp(row.created_at),
          updated: row.updated_at === null ? null : frontmatterTimestamp(row.updated_at),
          theme: {
            filename: 'README.md',
            frontmatter: JSON.parse(row.theme_frontmatter) as Record<string, unknown>,
            body: row.theme_body,
          },
          members: hub.channels.members(row.name).map((m) => ({
            handle: m.handle,
            subscribed: frontmatterTimestamp(m.subscribed_at),
            via: m.via,
            notify: m.notify,
          })),
          message_count: row.message_count,
          recent_messages: hub.channels.messages(row.name, { limit: 5, order: 'desc' }).rows.map(messageItem),
        };
      },
    );

    app.get(
      '/v1/channels/:name/messages',
      {
        schema: { params: NameParams, querystring: MessageListQuery },
        ...describe("A channel's messages (list grammar)", 'none', { 200: RecordList }),
      },
      async (request): Promise<ListResponse<RecordItem>> => {
        const row = requireChannel(hub, request.params.name);
        return listResponse(hub.channels.messages(row.name, request.query), request.query.expand, messageItem);
      },
    );
  };
