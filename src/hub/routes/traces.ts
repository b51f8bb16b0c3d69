// Trace routes: share a session (stats or full), the library of shared sessions, one session, the project's token totals.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  TraceList,
  TraceListQuery,
  TracePostBody,
  TracePosted,
  TraceRecord,
  TraceStats,
} from '../../shared/traces-api';
import { isValidAgentId } from '../../shared/ids';
import { scratchPathOf } from '../bucket-source';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { writerOf } from '../identity';
import type { ReadCache } from '../read-cache';
import { aggregateTraces, listTraces, traceRecord } from '../trace-stats';
import { shareTrace } from '../traces';
import { pathSegments } from '../workspace';
import { describe } from './route-options';

const TraceParams = Type.Object({
  agent: Type.String({ maxLength: 100 }),
  session: Type.String({ maxLength: 300 }),
});

export const traceRoutes =
  (hub: HubContext, cache: ReadCache): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v1/traces',
      {
        schema: { body: TracePostBody },
        ...describe(
          'Share a session from your scratch folder: {source: traces/<session>/, share: stats (token and tool-call counts) or full (+ the native log)}',
          'agent',
          { 201: TracePosted },
        ),
      },
      async (request, reply) => {
        const { source, share = 'stats' } = request.body;
        const caller = writerOf(hub, request, { source });
        const posted = await shareTrace(hub, caller, scratchPathOf(hub, caller, source), share);
        return reply.code(201).send(posted satisfies TracePosted);
      },
    );

    app.get(
      '/v1/traces',
      {
        schema: { querystring: TraceListQuery },
        ...describe('Shared session traces (list grammar + harness, model, share); expand=true for summaries', 'none', {
          200: TraceList,
        }),
      },
      async (request): Promise<TraceList> => listTraces(hub.traces.all(), request.query),
    );

    app.get(
      '/v1/traces/:agent/:session',
      {
        schema: { params: TraceParams },
        ...describe('One shared session: its stamped manifest, summary and native-log paths', 'none', {
          200: TraceRecord,
        }),
      },
      async (request): Promise<TraceRecord> => {
        const { agent, session } = request.params;
        if (!isValidAgentId(agent))
          throw new HubError('INVALID_PATH', `invalid agent_id: ${JSON.stringify(agent)}`, 'GET /v1/traces lists them');
        pathSegments(session, 'session');
        const row = hub.traces.get(agent, session);
        if (!row)
          throw new HubError('NOT_FOUND', `no such trace: traces/${agent}/${session}`, 'GET /v1/traces lists them');
        return traceRecord(row);
      },
    );

    app.get(
      '/v1/stats',
      {
        ...describe(
          "The project's token use over shared sessions (a reported floor), by model, agent and day",
          'none',
          { 200: TraceStats },
        ),
      },
      async (_request, reply) =>
        reply
          .type('application/json; charset=utf-8')
          .send(
            cache.json(
              'trace-stats',
              () => aggregateTraces(hub.traces.all(), new Date(hub.now()).toISOString()),
              hub.version,
            ),
          ),
    );
  };
