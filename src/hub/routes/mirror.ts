// Mirror routes: public collabs followed read-only (GET /v1/mirror and their copies, for everyone who may read this hub; follow, unfollow and refresh for the organizer).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  FollowBody,
  MirrorLeaderboard,
  MirrorList,
  MirrorListQuery,
  MirrorRules,
  MirrorStatus,
  MirroredCollab,
  MirroredRecord,
  type MirrorControl,
} from '../../shared/mirror-api';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { requireOrganizer } from '../identity';
import { resolvePublicRecord } from '../public-refs';
import { describe } from './route-options';

const CollabParams = Type.Object({
  org: Type.String({ minLength: 1, maxLength: 100 }),
  collab: Type.String({ minLength: 1, maxLength: 100 }),
});

/**
 * What a followed collab said is public (its tokenless GETs), so this hub's readers may read the copy as they read
 * the board; changing what is followed is the organizer's. Nothing here writes to the collab.
 */
export const mirrorRoutes =
  (hub: HubContext, currentMirror: () => MirrorControl | null): FastifyPluginAsyncTypebox =>
  async (app) => {
    const requireMirror = (): MirrorControl => {
      const mirror = currentMirror();
      if (!mirror)
        throw new HubError(
          'MIRROR_DISABLED',
          'this hub mirrors no public collab (the mirror service is not running)',
          'start the hub with `collab-desk hub` or the desktop app, which run the mirror beside it',
        );
      return mirror;
    };

    app.get(
      '/v1/mirror',
      describe(
        'Public collabs this hub follows read-only: how old each copy is, whether it is live, its size and budget',
        'none',
        { 200: MirrorStatus },
      ),
      async (): Promise<MirrorStatus> => requireMirror().status(),
    );

    app.post(
      '/v1/mirror',
      {
        schema: { body: FollowBody },
        ...describe(
          'Follow a public collab read-only {target: backend URL, dashboard URL or org/slug, budget_mb?}: its board, results, agents, leaderboard and rules are copied here and kept current',
          'organizer',
          { 201: MirroredCollab },
        ),
      },
      async (request, reply) => {
        requireOrganizer(hub, request);
        const followed = await requireMirror().follow(request.body);
        return reply.code(201).send(followed satisfies MirroredCollab);
      },
    );

    app.delete(
      '/v1/mirror/:org/:collab',
      {
        schema: { params: CollabParams },
        ...describe('Stop following a collab and drop its copy', 'organizer', {
          200: Type.Object({ removed: Type.Boolean() }),
        }),
      },
      async (request) => {
        requireOrganizer(hub, request);
        const id = `${request.params.org}/${request.params.collab}`;
        const removed = await requireMirror().unfollow(id);
        if (!removed)
          throw new HubError('NOT_FOLLOWED', `this hub does not follow ${id}`, 'GET /v1/mirror lists what it follows');
        return { removed };
      },
    );

    app.post(
      '/v1/mirror/:org/:collab/refresh',
      {
        schema: { params: CollabParams },
        ...describe('Read the collab now; answers when the pass has ended', 'organizer', { 200: MirroredCollab }),
      },
      async (request): Promise<MirroredCollab> => {
        requireOrganizer(hub, request);
        return requireMirror().refresh(`${request.params.org}/${request.params.collab}`);
      },
    );

    app.get(
      '/v1/mirror/:org/:collab/records',
      {
        schema: { params: CollabParams, querystring: MirrorListQuery },
        ...describe(
          "A followed collab's messages, results or agents as last read (kind=message|result|agent), newest first, each with its origin and public URL",
          'none',
          { 200: MirrorList },
        ),
      },
      async (request): Promise<MirrorList> =>
        requireMirror().list(`${request.params.org}/${request.params.collab}`, request.query),
    );

    app.get(
      '/v1/mirror/:org/:collab/leaderboard',
      {
        schema: { params: CollabParams },
        ...describe("A followed collab's leaderboard as it last answered it", 'none', { 200: MirrorLeaderboard }),
      },
      async (request): Promise<MirrorLeaderboard> =>
        requireMirror().leaderboard(`${request.params.org}/${request.params.collab}`),
    );

    app.get(
      '/v1/mirror/:org/:collab/rules',
      {
        schema: { params: CollabParams },
        ...describe("A followed collab's rules: its central README.md as last read", 'none', { 200: MirrorRules }),
      },
      async (request): Promise<MirrorRules> => requireMirror().rules(`${request.params.org}/${request.params.collab}`),
    );

    // A ref to a public record: a local message may cite one, and what it is comes from the copies alone (it answers
    // while the collab is offline or the mirror service is not running).
    app.get(
      '/v1/mirror/resolve/:filename',
      {
        schema: { params: Type.Object({ filename: Type.String({ minLength: 1, maxLength: 400 }) }) },
        ...describe(
          'The public record a filename names (a message or result of any followed collab, with its origin and public URL), or 404 NOT_FOUND',
          'none',
          { 200: MirroredRecord },
        ),
      },
      async (request): Promise<MirroredRecord> => resolvePublicRecord(hub.mirrorRecord, request.params.filename),
    );
  };
