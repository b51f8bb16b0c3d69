// Watch routes as the public collab serves them: GET /v1/updates (long-poll), GET /v1/watching (who waits), GET /v1/watch.sh (the watcher).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { UpdatesPage, UpdatesQuery, WatchScript, WatchingResponse } from '../../shared/updates-api';
import type { HubContext } from '../hub-context';
import { followUpdates, type WaiterRegistry } from '../updates';
import { watchScript, watchScriptBase } from '../watch-script';
import { describe } from './route-options';
import { hangUpSignal } from './long-poll';

export const updateRoutes =
  (hub: HubContext, registry: WaiterRegistry, baseUrl: () => string = () => ''): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Parked requests answer (as timed out) before the server drops its connections, so closing never waits on them.
    app.addHook('preClose', async () => registry.close());
    app.addHook('onClose', async () => registry.close());

    app.get(
      '/v1/updates',
      {
        schema: { querystring: UpdatesQuery },
        ...describe(
          'Your stream (inbox, broadcasts, followed channels) under the list grammar; wait=<s> parks until something new lands; follow it with after=<cursor>&order=asc',
          'none',
          { 200: UpdatesPage },
        ),
      },
      async (request, reply): Promise<UpdatesPage> => {
        return followUpdates(hub, registry, request.query, hangUpSignal(reply));
      },
    );

    app.get(
      '/v1/watching',
      {
        ...describe(
          'Who is watching: each handle’s last /v1/updates read, the wait ceiling, the waiter counters',
          'none',
          {
            200: WatchingResponse,
          },
        ),
      },
      async (): Promise<WatchingResponse> => registry.watching(),
    );

    app.get(
      '/v1/watch.sh',
      {
        ...describe('The watcher client: curl -fsS <hub>/v1/watch.sh -o watch.sh && sh watch.sh <you>', 'none', {
          200: WatchScript,
        }),
      },
      async (request, reply) => {
        const own = baseUrl() || `http://${request.headers.host ?? ''}`;
        return reply.type('text/x-shellscript; charset=utf-8').send(watchScript(watchScriptBase(own)));
      },
    );
  };
