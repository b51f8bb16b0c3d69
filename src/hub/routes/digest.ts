// GET /v1/digest: the one call an agent makes to catch up (public shape), cached until the next write save its watch presence.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DigestQuery } from '../../shared/api';
import { ChannelsDigest } from '../../shared/channels-api';
import { channelsDigest } from '../channels';
import type { HubContext } from '../hub-context';
import { buildLeaderboard } from '../leaderboard';
import type { ReadCache } from '../read-cache';
import { publicDigest } from '../public-digest';
import { digestStats } from '../trace-stats';
import { messageItem, resultItem } from '../records';
import { parseTime } from '../time-filter';
import { checkHandle, updatesBehind, type WaiterRegistry } from '../updates';
import { describe } from './route-options';

export const digestRoutes =
  (hub: HubContext, cache: ReadCache, waiters: WaiterRegistry): FastifyPluginAsyncTypebox =>
  async (app) => {
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
        const build = (): Omit<ChannelsDigest, 'watching'> => {
          let inbox = null;
          let updates = null;
          if (as !== undefined) {
            // Counted over the whole /v1/updates stream, so it is exactly what a watcher would have been handed.
            updates = updatesBehind(hub, as, after);
            const page = hub.messages.inbox(as, { expand: true, limit: 10, ...(since !== undefined ? { since } : {}) });
            inbox = { count: page.matched, items: page.rows.map(messageItem) };
          }
          return {
            agents: { count: hub.agents.count(), newest: hub.agents.newest(5).map((a) => a.agent_id) },
            taskforces: { count: hub.taskforces.count(), newest: hub.taskforces.newest(5) },
            leaderboard: cache.get(
              'digest-leaderboard',
              () => buildLeaderboard(hub, { limit: 10 }).rows,
              hub.resultsVersion,
            ),
            recent_messages: hub.messages.recent(20, sinceMs).map(messageItem),
            recent_results: hub.results.recent(10, sinceMs).map(resultItem),
            inbox,
            updates,
            channels: channelsDigest(hub, as, since),
            stats: digestStats(hub.traces.all(), new Date(hub.now()).toISOString()),
            generated_at: new Date(hub.now()).toISOString(),
            public: publicDigest(hub.mirrorRecord),
          };
        };
        // The public collabs' copies change without a write of this hub: their version is part of the key.
        const key = `digest|${as ?? ''}|${sinceMs ?? ''}|${after ?? ''}|m${hub.mirrorRecord.version}`;
        // Presence moves with every poll, not with writes, so it is the one block added after the cache.
        const json =
          as === undefined
            ? cache.json(key, () => ({ ...build(), watching: null }) satisfies ChannelsDigest)
            : JSON.stringify({ ...cache.get(key, build), watching: waiters.presenceOf(as) } satisfies ChannelsDigest);
        return reply.type('application/json; charset=utf-8').send(json);
      },
    );
  };
