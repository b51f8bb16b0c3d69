// Taskforce routes: create or update a README, list, read, post notes (channel messages) and named files.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { join } from 'node:path';
import { Type } from 'typebox';
import {
  FileBytes,
  FolderListing,
  MessageListQuery,
  RecordList,
  TaskforceBody,
  TaskforceCreated,
  TaskforceDetail,
  TaskforceFileBody,
  TaskforceFileList,
  TaskforceList,
  TaskforceListQuery,
  TaskforceNoteCreated,
  type ListResponse,
  type RecordItem,
  type TaskforceSummary,
} from '../../shared/api';
import { frontmatterTimestamp } from '../../shared/ids';
import { postMessage, postText } from '../board';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { authorOf, requireWriter } from '../identity';
import { listResponse, messageItem } from '../records';
import type { TaskforceRow } from '../store/taskforce-store';
import { pathSegments } from '../workspace';
import { requireOwnPath } from '../workspace-owner';
import { NO_CHANNEL } from '../list-query';
import { describe } from './route-options';
import { sendFile } from './workspace';

const NameParams = Type.Object({ name: Type.String({ maxLength: 100 }) });
const FileParams = Type.Object({ name: Type.String({ maxLength: 100 }), '*': Type.String({ maxLength: 1100 }) });

function notFound(name: string): HubError {
  return new HubError(
    'TASKFORCE_NOT_FOUND',
    `no taskforce "${name}"`,
    'GET /v1/taskforces lists them; POST /v1/taskforces creates one',
  );
}

export const taskforceRoutes =
  (hub: HubContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const folder = (name: string) => join(hub.workspace.centralRoot, 'taskforces', name);
    const fileCount = async (name: string) =>
      (await hub.workspace.list(folder(name), '', true)).filter((e) => e.type === 'file').length;
    const contributors = (row: TaskforceRow) => [
      row.creator,
      ...hub.messages.channelAuthors(row.name).filter((a) => a !== row.creator),
    ];
    const get = (name: string) => {
      const row = hub.taskforces.get(name);
      if (!row) throw notFound(name);
      return row;
    };

    app.post(
      '/v1/taskforces',
      {
        schema: { body: TaskforceBody },
        ...describe('Create a taskforce (a channel) with its README, or update the README you own', 'writer', {
          201: TaskforceCreated,
          200: TaskforceCreated,
        }),
      },
      async (request, reply) => {
        const caller = requireWriter(hub, request);
        const b = request.body;
        const author = authorOf(hub, caller, b.agent_id);
        if (b.name === NO_CHANNEL)
          throw new HubError(
            'INVALID_BODY',
            `"${NO_CHANNEL}" cannot be a taskforce's name: ?channel=${NO_CHANNEL} lists the messages in no channel`,
            'pick another name',
          );
        const existing = hub.taskforces.get(b.name);
        if (existing && existing.creator !== author && caller.kind !== 'organizer') {
          throw new HubError(
            'TASKFORCE_EXISTS',
            `taskforce "${b.name}" already exists (creator: ${existing.creator})`,
            `post notes or files to it instead: POST /v1/taskforces/${b.name}/files`,
          );
        }
        const { text, fm, via } = await postText(hub, caller, b);
        const now = hub.now();
        const stamped = existing
          ? { ...JSON.parse(existing.readme_frontmatter), ...fm, updated: frontmatterTimestamp(now), via }
          : { ...fm, taskforce: b.name, creator: author, created: frontmatterTimestamp(now), via };
        await hub.write(() => {
          if (existing) hub.taskforces.updateReadme(b.name, via, JSON.stringify(stamped), text, now);
          else if (hub.taskforces.exists(b.name))
            throw new HubError(
              'TASKFORCE_EXISTS',
              `taskforce "${b.name}" was just created by someone else`,
              'read it with GET /v1/taskforces/' + b.name,
            );
          else
            hub.taskforces.insert({
              name: b.name,
              creator: author,
              via,
              readme_frontmatter: JSON.stringify(stamped),
              readme_body: text,
              created_at: now,
            });
          return {
            result: null,
            effect: { actor: author, action: existing ? 'taskforce.updated' : 'taskforce.created', target: b.name },
          };
        });
        return reply.code(existing ? 200 : 201).send({
          name: b.name,
          via,
          path: `taskforces/${b.name}/README.md`,
          created: !existing,
        } satisfies TaskforceCreated);
      },
    );

    app.get(
      '/v1/taskforces',
      {
        schema: { querystring: TaskforceListQuery },
        ...describe('List taskforces, most recently active first', 'none', { 200: TaskforceList }),
      },
      async (request): Promise<TaskforceList> => {
        const all = hub.taskforces.list(request.query.q);
        // As in the public collab, no limit (or 0 and below) lists them all.
        const limit = request.query.limit;
        const page = limit !== undefined && limit > 0 ? all.slice(0, limit) : all;
        const items: TaskforceSummary[] = [];
        for (const row of page) {
          items.push({
            name: row.name,
            creator: row.creator,
            created: frontmatterTimestamp(row.created_at),
            readme_excerpt: row.readme_body.slice(0, 280),
            contributors: contributors(row),
            file_count: await fileCount(row.name),
            note_count: row.note_count,
            last_activity: row.last_activity === null ? null : frontmatterTimestamp(row.last_activity),
          });
        }
        return { count: hub.taskforces.count(), matched: all.length, items };
      },
    );

    app.get(
      '/v1/taskforces/:name',
      {
        schema: { params: NameParams },
        ...describe('One taskforce: README, contributors, recent notes', 'none', { 200: TaskforceDetail }),
      },
      async (request): Promise<TaskforceDetail> => {
        const row = get(request.params.name);
        return {
          name: row.name,
          creator: row.creator,
          created: frontmatterTimestamp(row.created_at),
          updated: frontmatterTimestamp(row.updated_at),
          readme: {
            filename: 'README.md',
            frontmatter: JSON.parse(row.readme_frontmatter) as Record<string, unknown>,
            body: row.readme_body,
          },
          contributors: contributors(row),
          file_count: await fileCount(row.name),
          note_count: row.note_count,
          recent_notes: hub.messages.list({ channel: row.name, limit: 5 }).rows.map(messageItem),
        };
      },
    );

    app.get(
      '/v1/taskforces/:name/notes',
      {
        schema: { params: NameParams, querystring: MessageListQuery },
        ...describe("A taskforce's notes: the messages of its channel (list grammar)", 'none', { 200: RecordList }),
      },
      async (request): Promise<ListResponse<RecordItem>> => {
        get(request.params.name);
        return listResponse(
          hub.messages.list({ ...request.query, channel: request.params.name }),
          request.query.expand,
          messageItem,
        );
      },
    );

    app.post(
      '/v1/taskforces/:name/files',
      {
        schema: { params: NameParams, body: TaskforceFileBody },
        ...describe('Post a note {body} or {source}, or copy a named file {source, dest_path}', 'writer', {
          201: TaskforceNoteCreated,
        }),
      },
      async (request, reply) => {
        const caller = requireWriter(hub, request);
        const name = request.params.name;
        get(name);
        const b = request.body;
        if (b.dest_path === undefined) {
          const created = await postMessage(hub, caller, { ...b, channel: name }, { type: 'note' });
          return reply.code(201).send({
            kind: 'note',
            filename: created.filename,
            via: created.via,
            path: created.path,
          } satisfies TaskforceNoteCreated);
        }
        if (b.source === undefined || b.body !== undefined || b.type !== undefined) {
          throw new HubError(
            'INVALID_BODY',
            'a named file takes exactly {source, dest_path}',
            'to post a note, leave dest_path out',
          );
        }
        if (caller.kind !== 'agent')
          throw new HubError(
            'INVALID_BODY',
            'the organizer has no scratch folder to copy from',
            'post a note with {body} instead',
          );
        const segments = pathSegments(b.dest_path, 'dest_path');
        if (segments.at(-1)!.toLowerCase() === 'readme.md')
          throw new HubError(
            'INVALID_PATH',
            'README.md is reserved for the creator',
            `update it with POST /v1/taskforces {name: "${name}", ...}`,
          );
        requireOwnPath(segments, caller.handle, 'dest_path', `notes_${caller.handle}.md`);
        const files = await hub.workspace.copyToCentral(
          caller.handle,
          b.source,
          `taskforces/${name}/${b.dest_path}`,
          'as',
          { files: 1, bytes: hub.config.limits.sync_bytes },
        );
        await hub.note({
          actor: caller.handle,
          action: 'taskforce.file',
          target: `taskforces/${name}/${b.dest_path}`,
          detail: { bytes: files[0]?.bytes ?? 0 },
        });
        return reply.code(201).send({
          kind: 'file',
          filename: b.dest_path,
          via: 'bucket',
          path: `taskforces/${name}/${b.dest_path}`,
        } satisfies TaskforceNoteCreated);
      },
    );

    app.get(
      '/v1/taskforces/:name/files',
      { schema: { params: NameParams }, ...describe("A taskforce's files", 'none', { 200: TaskforceFileList }) },
      async (request): Promise<TaskforceFileList> => {
        get(request.params.name);
        const entries = (await hub.workspace.list(folder(request.params.name), '', true)).filter(
          (e) => e.type === 'file',
        );
        const items = [
          { path: 'README.md', size: Buffer.byteLength(hub.taskforces.get(request.params.name)!.readme_body) },
          ...entries.map((e) => ({ path: e.path, size: e.bytes })),
        ];
        return { count: items.length, items };
      },
    );

    app.get(
      '/v1/taskforces/:name/files/*',
      {
        schema: { params: FileParams },
        ...describe('Download one taskforce file', 'none', { 200: [FolderListing, FileBytes] }),
      },
      async (request, reply) => {
        const row = get(request.params.name);
        const path = request.params['*'];
        if (path === 'README.md') return reply.type('text/markdown; charset=utf-8').send(row.readme_body);
        return sendFile(hub, reply, folder(row.name), path, `taskforces/${row.name}/`);
      },
    );
  };
