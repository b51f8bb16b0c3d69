// Result routes: publish, list, read one (with its verdict history), the organizer's verdict, the leaderboard.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  Comparison,
  CompareQuery,
  Leaderboard,
  LeaderboardQuery,
  RecordList,
  ResultBody,
  ResultCreated,
  ResultListQuery,
  ResultRecord,
  VerdictBody,
  type ListResponse,
  type RecordItem,
} from '../../shared/api';
import { compareResults } from '../compare';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { requireOrganizer, writerOf } from '../identity';
import { buildLeaderboard, parseVerificationFilter } from '../leaderboard';
import type { ReadCache } from '../read-cache';
import { listResponse, resultItem, verdictOf } from '../records';
import { publishResult } from '../results';
import { describe } from './route-options';

const FilenameParams = Type.Object({ filename: Type.String({ maxLength: 300 }) });

function noResult(filename: string): HubError {
  return new HubError('NOT_FOUND', `no such file: results/${filename}`, 'GET /v1/results lists results');
}

export const resultRoutes =
  (hub: HubContext, cache: ReadCache): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v1/results',
      {
        schema: { body: ResultBody },
        ...describe('Publish a result: {source} or {content}, markdown with the required frontmatter', 'writer', {
          201: ResultCreated,
        }),
      },
      // Only the source proves a tokenless author: a result is high-stakes, so, as on the public collab, inline
      // content (even naming an agent_id) takes the token.
      async (request, reply) =>
        reply
          .code(201)
          .send(
            (await publishResult(
              hub,
              writerOf(hub, request, { source: request.body.source }),
              request.body,
            )) satisfies ResultCreated,
          ),
    );

    app.get(
      '/v1/results',
      {
        schema: { querystring: ResultListQuery },
        ...describe('List results (list grammar; status=, verification=)', 'none', { 200: RecordList }),
      },
      async (request): Promise<ListResponse<RecordItem>> => {
        if (request.query.verification !== undefined) parseVerificationFilter(request.query.verification);
        return listResponse(hub.results.list(request.query), request.query.expand, resultItem);
      },
    );

    app.get(
      '/v1/results/:filename',
      {
        schema: { params: FilenameParams },
        ...describe('One result, with who verified it', 'none', { 200: ResultRecord }),
      },
      async (request): Promise<ResultRecord> => {
        const row = hub.results.get(request.params.filename);
        if (!row) throw noResult(request.params.filename);
        return { ...resultItem(row), verdict: verdictOf(row, hub.results.verdictHistory(row.filename)) };
      },
    );

    app.post(
      '/v1/results/:filename/verdict',
      {
        schema: { params: FilenameParams, body: VerdictBody },
        ...describe("Set a verdict (pending, valid, invalid); the organizer's always wins", 'organizer', {
          200: ResultRecord,
        }),
      },
      async (request): Promise<ResultRecord> => {
        const organizer = requireOrganizer(hub, request);
        const filename = request.params.filename;
        if (!hub.results.get(filename)) throw noResult(filename);
        await hub.write(() => {
          hub.results.setVerdict(
            filename,
            request.body.verdict,
            organizer.handle,
            'organizer',
            request.body.note ?? '',
            hub.now(),
          );
          return {
            result: null,
            effect: {
              actor: organizer.handle,
              action: 'result.verdict',
              target: filename,
              detail: { verdict: request.body.verdict },
            },
          };
        });
        const row = hub.results.get(filename)!;
        return { ...resultItem(row), verdict: verdictOf(row, hub.results.verdictHistory(filename)) };
      },
    );

    app.get(
      '/v1/leaderboard',
      {
        schema: { querystring: LeaderboardQuery },
        ...describe(
          "Ranked results of one hardware class: best_per_agent (true), verification (valid,pending), hardware (this hub's, or all), agent, limit",
          'none',
          { 200: Leaderboard },
        ),
      },
      async (request, reply) => {
        const q = request.query;
        const key = `lb|${q.best_per_agent ?? ''}|${q.verification ?? ''}|${q.hardware ?? ''}|${q.agent ?? ''}|${q.limit ?? ''}`;
        return reply
          .type('application/json; charset=utf-8')
          .send(cache.json(key, (): Leaderboard => buildLeaderboard(hub, q), hub.resultsVersion));
      },
    );

    app.get(
      '/v1/compare',
      {
        schema: { querystring: CompareQuery },
        ...describe('Compare two results: the difference, its 95% interval, and faster / slower / tie', 'none', {
          200: Comparison,
        }),
      },
      async (request): Promise<Comparison> => compareResults(hub, request.query.a, request.query.b),
    );
  };
