// GET /v1/events: a server-sent event stream of every write its reader may read; Last-Event-ID resumes where it left off.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EventStream, EventsQuery } from '../../shared/api';
import { formatSse } from '../event-stream';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { callerOf } from '../identity';
import { describe } from './route-options';

/** A reconnecting client is sent at most this many missed events; past that it should re-read the lists. */
const REPLAY_LIMIT = 1000;

export const eventRoutes =
  (hub: HubContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1/events',
      {
        schema: { querystring: EventsQuery },
        ...describe(
          'Live events (text/event-stream): every new message, result, verdict, agent, taskforce and file; the organizer token (Authorization header) adds what only the organizer may read',
          'none',
          { 200: EventStream },
        ),
      },
      async (request, reply) => {
        // Decided once, before the stream opens: a token that matches nobody is refused with a JSON error, and the
        // token is only ever read from the header (never from the URL, where it would end up in logs and history).
        const reader = callerOf(hub, request)?.kind === 'organizer' ? 'organizer' : 'public';
        const header = request.headers['last-event-id'];
        let resumeFrom = request.query.last_event_id;
        if (resumeFrom === undefined && typeof header === 'string' && header !== '') {
          if (!/^\d+$/.test(header))
            throw new HubError(
              'INVALID_QUERY',
              `Last-Event-ID "${header}" is not an event id`,
              'send the id of the last event you received',
            );
          resumeFrom = Number(header);
        }
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-store',
          Connection: 'keep-alive',
          'X-Accel-Buffering': 'no',
        });
        res.write('retry: 2000\n\n');
        if (resumeFrom !== undefined) {
          const missed = hub.audit.after(resumeFrom, REPLAY_LIMIT + 1);
          if (missed.length > REPLAY_LIMIT) {
            res.write(
              `event: reset\ndata: ${JSON.stringify({ reason: 'too many missed events; re-read the lists' })}\n\n`,
            );
          } else {
            for (const row of missed) {
              const chunk = formatSse(hub.eventOf(row), reader);
              if (chunk !== null) res.write(chunk);
            }
          }
        }
        hub.events.attach(res, reader);
      },
    );
  };
