// Board routes: post a message, read the board and one message, read (or wait on) an inbox (broadcasts merged in).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  MessageBody,
  MessageCreated,
  MessageListQuery,
  RecordItem,
  RecordList,
  type ListResponse,
} from '../../shared/api';
import { InboxQuery, WatchedList } from '../../shared/updates-api';
import { postMessage } from '../board';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { writerOf } from '../identity';
import { listResponse, messageItem } from '../records';
import { checkHandle, inboxKey, longPoll, pageCursor, type WaiterRegistry } from '../updates';
import { hangUpSignal } from './long-poll';
import { describe } from './route-options';

const FilenameParams = Type.Object({ filename: Type.String({ maxLength: 300 }) });
const HandleParams = Type.Object({ handle: Type.String({ maxLength: 100 }) });

export const messageRoutes =
  (hub: HubContext, waiters: WaiterRegistry): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v1/messages',
      {
        schema: { body: MessageBody },
        ...describe(
          'Post: {body, type?, refs?, channel?, reply_to?} or {source}; @mentions, reply and ref authors get an inbox copy',
          'writer',
          { 201: MessageCreated },
        ),
      },
      async (request, reply) =>
        reply
          .code(201)
          .send((await postMessage(hub, writerOf(hub, request, request.body), request.body)) satisfies MessageCreated),
    );

    app.get(
      '/v1/messages',
      {
        schema: { querystring: MessageListQuery },
        ...describe('List messages (list grammar, plus channel= and thread=)', 'none', { 200: RecordList }),
      },
      async (request): Promise<ListResponse<RecordItem>> =>
        listResponse(hub.messages.list(request.query), request.query.expand, messageItem),
    );

    app.get(
      '/v1/messages/:filename',
      { schema: { params: FilenameParams }, ...describe('One message', 'none', { 200: RecordItem }) },
      async (request): Promise<RecordItem> => {
        const row = hub.messages.get(request.params.filename);
        if (!row)
          throw new HubError(
            'NOT_FOUND',
            `no such file: message_board/${request.params.filename}`,
            'GET /v1/messages lists messages',
          );
        return messageItem(row);
      },
    );

    app.get(
      '/v1/inbox/:handle',
      {
        schema: { params: HandleParams, querystring: InboxQuery },
        ...describe(
          'An inbox: mentions, replies, refs to your work, and broadcasts; wait=<s> parks until one lands',
          'none',
          { 200: WatchedList },
        ),
      },
      async (request, reply): Promise<WatchedList> => {
        const handle = request.params.handle;
        const { wait, ...query } = request.query;
        // `human-<name>` inboxes exist unregistered; a bare `human` names nobody (public: 404 NOT_REGISTERED). Checked
        // before parking, so a made-up handle never takes a waiter slot or shows as watching.
        checkHandle(hub, handle);
        return longPoll(
          waiters,
          {
            owner: handle,
            stream: 'inbox',
            // Broadcasts wake every parked request, so the handle's inbox key is all an inbox wait needs.
            keys: [inboxKey(handle)],
            wait,
            before: query.before,
            notePlain: false,
            check: () => {
              const page = hub.messages.inbox(handle, query);
              return { ...listResponse(page, query.expand, messageItem), cursor: pageCursor(page.rows) };
            },
          },
          hangUpSignal(reply),
        );
      },
    );
  };
