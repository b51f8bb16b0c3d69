// GET /v1/digest: the one call an agent makes to catch up (public shape), its blocks cached until a write changes them, save its watch presence.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DigestQuery } from '../../shared/api';
import { ChannelsDigest } from '../../shared/channels-api';
import { channelsDigest, subscriptionsDigest } from '../channels';
import { DigestVersions } from '../digest-versions';
import type { HubContext } from '../hub-context';
import { buildLeaderboard } from '../leaderboard';
import type { ReadCache } from '../read-cache';
import { publicDigest } from '../public-digest';
import { digestStats } from '../trace-stats';
import { messageItem, resultItem } from '../records';
import { parseTime } from '../time-filter';
import { checkHandle, updatesBehind, type WaiterRegistry } from '../updates';
import { describe } from './route-options';

const json = (value: unknown): string => JSON.stringify(value);

/** An object's JSON text from its members' JSON texts, in the order given (each block serialized once, then cached). */
function objectText<T>(members: Record<keyof T, string>): string {
  return `{${Object.entries<string>(members)
    .map(([name, text]) => `${JSON.stringify(name)}:${text}`)
    .join(',')}}`;
}

export const digestRoutes =
  (hub: HubContext, cache: ReadCache, waiters: WaiterRegistry): FastifyPluginAsyncTypebox =>
  async (app) => {
    const versions = new DigestVersions(hub);
    app.addHook('onClose', async () => versions.stop());
    app.get(
      '/v1/digest',
      {
        schema: { querystring: DigestQuery },
        ...describe(
          'Catch up in one call: agents, taskforces, channels, top 10, recent messages and results; with as=, your inbox, how far behind /v1/updates you are (after=<cursor>) and whether anyone is watching you',
          'none',
          { 200: ChannelsDigest },
        ),
      },
      async (request, reply) => {
        const { as, since, after } = request.query;
        const sinceMs = since === undefined ? undefined : parseTime(since, 'since');
        if (as !== undefined) checkHandle(hub, as);
        // What every reader shares, serialized once per write: 50 agents polling must not build it 50 times. The
        // public collabs' copies change without a write of this hub: their version is part of the key.
        const shared = cache.get(`digest-shared|${sinceMs ?? ''}|m${hub.mirrorRecord.version}`, () => {
          const channels = channelsDigest(hub, undefined, since);
          return {
            head: {
              agents: json({ count: hub.agents.count(), newest: hub.agents.newest(5).map((a) => a.agent_id) }),
              taskforces: json({ count: hub.taskforces.count(), newest: hub.taskforces.newest(5) }),
              leaderboard: json(
                cache.get('digest-leaderboard', () => buildLeaderboard(hub, { limit: 10 }).rows, hub.resultsVersion),
              ),
              recent_messages: json(hub.messages.recent(20, sinceMs).map(messageItem)),
              recent_results: json(hub.results.recent(10, sinceMs).map(resultItem)),
            },
            channels: { count: json(channels.count), channels: json(channels.channels) },
            tail: {
              stats: json(digestStats(hub.traces.all(), new Date(hub.now()).toISOString())),
              generated_at: json(new Date(hub.now()).toISOString()),
              public: json(publicDigest(hub.mirrorRecord)),
            },
          };
        });
        // The personal part moves only with the writes that reach this handle (DigestVersions), not with every post.
        const personal =
          as === undefined
            ? { inbox: 'null', updates: 'null', subscribed: 'null' }
            : cache.get(
                `digest-personal|${as}|${sinceMs ?? ''}|${since ?? ''}|${after ?? ''}`,
                () => {
                  // Counted over the whole /v1/updates stream, so it is exactly what a watcher would have been handed.
                  const updates = updatesBehind(hub, as, after);
                  const page = hub.messages.inbox(as, {
                    expand: true,
                    limit: 10,
                    ...(since !== undefined ? { since } : {}),
                  });
                  return {
                    inbox: json({ count: page.matched, items: page.rows.map(messageItem) }),
                    updates: json(updates),
                    subscribed: json(subscriptionsDigest(hub, as, since)),
                  };
                },
                versions.of(as),
              );
        // Presence moves with every poll, not with writes, so it is the one block added after the caches. The blocks
        // keep ChannelsDigest's order, as one JSON.stringify of the whole digest would write them.
        const text = objectText<ChannelsDigest>({
          ...shared.head,
          inbox: personal.inbox,
          updates: personal.updates,
          channels: objectText<ChannelsDigest['channels']>({ ...shared.channels, subscribed: personal.subscribed }),
          ...shared.tail,
          watching: as === undefined ? 'null' : JSON.stringify(waiters.presenceOf(as)),
        });
        return reply.type('application/json; charset=utf-8').send(text);
      },
    );
  };
