// Board routes: post a message, read the board and one message, read an inbox (broadcasts merged in).
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
import { isHumanHandle } from '../../shared/ids';
import { postMessage } from '../board';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { requireWriter } from '../identity';
import { listResponse, messageItem } from '../records';
import { notRegistered } from './agents';
import { describe } from './route-options';

const FilenameParams = Type.Object({ filename: Type.String({ maxLength: 300 }) });
const HandleParams = Type.Object({ handle: Type.String({ maxLength: 100 }) });

export const messageRoutes =
  (hub: HubContext): FastifyPluginAsyncTypebox =>
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
          .send((await postMessage(hub, requireWriter(hub, request), request.body)) satisfies MessageCreated),
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
        schema: { params: HandleParams, querystring: MessageListQuery },
        ...describe('An inbox: mentions, replies, refs to your work, and broadcasts', 'none', { 200: RecordList }),
      },
      async (request): Promise<ListResponse<RecordItem>> => {
        const handle = request.params.handle;
        if (!isHumanHandle(handle) && !hub.agents.get(handle)) throw notRegistered(handle);
        return listResponse(hub.messages.inbox(handle, request.query), request.query.expand, messageItem);
      },
    );
  };
