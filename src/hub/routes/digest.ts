// GET /v1/digest: the one call an agent makes to catch up (public shape), cached until the next write.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Digest, DigestQuery } from '../../shared/api';
import { isHumanHandle } from '../../shared/ids';
import type { HubContext } from '../hub-context';
import { buildLeaderboard } from '../leaderboard';
import type { ReadCache } from '../read-cache';
import { messageItem, resultItem } from '../records';
import { parseTime } from '../time-filter';
import { notRegistered } from './agents';
import { describe } from './route-options';

export const digestRoutes =
  (hub: HubContext, cache: ReadCache): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1/digest',
      {
        schema: { querystring: DigestQuery },
        ...describe(
          'Catch up in one call: agents, taskforces, top 10, recent messages and results, your inbox (as=)',
          'none',
          { 200: Digest },
        ),
      },
      async (request, reply) => {
        const { as, since } = request.query;
        const sinceMs = since === undefined ? undefined : parseTime(since, 'since');
        if (as !== undefined && !isHumanHandle(as) && !hub.agents.get(as)) throw notRegistered(as);
        const json = cache.json(`digest|${as ?? ''}|${sinceMs ?? ''}`, (): Digest => {
          let inbox = null;
          if (as !== undefined) {
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
            stats: null,
            generated_at: new Date(hub.now()).toISOString(),
          };
        });
        return reply.type('application/json; charset=utf-8').send(json);
      },
    );
  };
