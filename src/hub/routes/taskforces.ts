// Taskforce routes (artifact workspaces): create or update a README, list, read, post notes and named files.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { readFile } from 'node:fs/promises';
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
import { frontmatterTimestamp, SLUG_PATTERN, stampedFilename } from '../../shared/ids';
import { renderMarkdown } from '../../shared/record-format';
import { decodeUtf8, parseRefs, postText } from '../board';
import { scratchPathOf } from '../bucket-source';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { authorOf, writerOf } from '../identity';
import { listResponse } from '../records';
import { parseMarkdown } from '../markdown';
import type { TaskforceNoteRow, TaskforceRow } from '../store/taskforce-store';
import { pathSegments } from '../workspace';
import { requireOwnPath } from '../workspace-owner';
import { describe } from './route-options';
import { sendFile } from './workspace';

const NameParams = Type.Object({ name: Type.String({ maxLength: 100 }) });
const FileParams = Type.Object({ name: Type.String({ maxLength: 100 }), '*': Type.String({ maxLength: 1100 }) });
const slugRe = new RegExp(SLUG_PATTERN);

function notFound(name: string): HubError {
  return new HubError(
    'TASKFORCE_NOT_FOUND',
    `no taskforce "${name}"`,
    'GET /v1/taskforces lists them; POST /v1/taskforces creates one',
  );
}

/** The public slug rules; a bad name is a bad path (INVALID_PATH), as the public collab answers it. */
function validateName(name: string): void {
  if (name !== name.toLowerCase())
    throw new HubError('INVALID_PATH', `taskforce name must be lowercase: '${name}'`, `use '${name.toLowerCase()}'`);
  if (!slugRe.test(name))
    throw new HubError(
      'INVALID_PATH',
      `invalid taskforce name: '${name}'`,
      'kebab-case: [a-z0-9] with inner hyphens, 1-64 characters',
    );
}

const noteItem = (row: TaskforceNoteRow): RecordItem => ({
  filename: row.filename,
  frontmatter: JSON.parse(row.frontmatter) as Record<string, unknown>,
  body: row.body,
});

/** A record's file as the central folder would hold it: frontmatter and body (the README and stamped notes). */
const recordFile = (frontmatter: string, body: string): string =>
  renderMarkdown(JSON.parse(frontmatter) as Record<string, unknown>, body);

export const taskforceRoutes =
  (hub: HubContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const folder = (name: string) => join(hub.workspace.centralRoot, 'taskforces', name);
    const folderFiles = async (name: string) =>
      (await hub.workspace.list(folder(name), '', true)).filter((e) => e.type === 'file');
    // As public: the README, the stamped notes and the named files all count.
    const fileCount = async (row: TaskforceRow) => 1 + row.stamped_count + (await folderFiles(row.name)).length;
    const contributors = (row: TaskforceRow) => [
      row.creator,
      ...hub.taskforces.noteAuthors(row.name).filter((a) => a !== row.creator),
    ];
    const get = (name: string) => {
      validateName(name);
      const row = hub.taskforces.get(name);
      if (!row) throw notFound(name);
      return row;
    };

    app.post(
      '/v1/taskforces',
      {
        schema: { body: TaskforceBody },
        ...describe('Create a taskforce with its README, or update the README you own', 'writer', {
          201: TaskforceCreated,
          200: TaskforceCreated,
        }),
      },
      async (request, reply) => {
        const b = request.body;
        validateName(b.name);
        const caller = writerOf(hub, request, request.body);
        const author = authorOf(hub, caller, b.agent_id);
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
            file_count: await fileCount(row),
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
          file_count: await fileCount(row),
          note_count: row.note_count,
          recent_notes: hub.taskforces.notes(row.name, { limit: 5, order: 'desc' }).rows.map(noteItem),
        };
      },
    );

    app.get(
      '/v1/taskforces/:name/notes',
      {
        schema: { params: NameParams, querystring: MessageListQuery },
        ...describe("A taskforce's notes: stamped notes and named .md files (list grammar)", 'none', {
          200: RecordList,
        }),
      },
      async (request): Promise<ListResponse<RecordItem>> => {
        const row = get(request.params.name);
        return listResponse(hub.taskforces.notes(row.name, request.query), request.query.expand, noteItem);
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
        const name = request.params.name;
        get(name);
        const caller = writerOf(hub, request, request.body);
        const b = request.body;
        if (b.dest_path === undefined) {
          // A note lives in its taskforce only: not on the board, in no inbox (the public collab's taskforce notes).
          const author = authorOf(hub, caller, b.agent_id);
          const { text, fm, via, sourceSha } = await postText(hub, caller, b);
          if (text.trim() === '')
            throw new HubError('INVALID_BODY', 'the note is empty', 'write something for the others to read');
          const type = b.type ?? (typeof fm.type === 'string' ? fm.type : 'note');
          const refs = b.refs !== undefined ? parseRefs(b.refs, 'request') : parseRefs(fm.refs, 'frontmatter');
          const note = await hub.write(() => {
            if (sourceSha !== null) {
              const existing = hub.taskforces.noteOfSource(name, sourceSha);
              if (existing)
                throw new HubError(
                  'ALREADY_PROMOTED',
                  'this file was already posted',
                  `existing filename: ${existing}`,
                );
            }
            const ts = hub.stampTime();
            const filename = stampedFilename(ts, author);
            const frontmatter: Record<string, unknown> = {
              ...fm,
              type,
              agent: author,
              timestamp: frontmatterTimestamp(ts),
              via,
              taskforce: name,
            };
            if (refs.length) frontmatter.refs = refs;
            else delete frontmatter.refs;
            hub.taskforces.putNote({
              taskforce: name,
              filename,
              agent: author,
              ts,
              type,
              via,
              named: 0,
              source_sha256: sourceSha,
              frontmatter: JSON.stringify(frontmatter),
              body: text,
            });
            const result: TaskforceNoteCreated = {
              kind: 'note',
              filename,
              via,
              path: `taskforces/${name}/${filename}`,
            };
            return { result, effect: { actor: author, action: 'taskforce.note', target: result.path } };
          });
          return reply.code(201).send(note);
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
        const path = `taskforces/${name}/${b.dest_path}`;
        const files = await hub.workspace.copyToCentral(
          caller.handle,
          scratchPathOf(hub, caller, b.source),
          path,
          'as',
          { files: 1, bytes: hub.config.limits.sync_bytes },
        );
        const bytes = files[0]?.bytes ?? 0;
        if (b.dest_path.toLowerCase().endsWith('.md') && bytes <= hub.config.limits.message_body_bytes) {
          // A named .md file is a note too (as public): its record keeps the file's own frontmatter and body.
          const parsed = parseMarkdown(decodeUtf8(await readFile(join(folder(name), ...segments)), `"${b.dest_path}"`));
          await hub.write(() => {
            hub.taskforces.putNote({
              taskforce: name,
              filename: b.dest_path!,
              agent: caller.handle,
              ts: hub.now(),
              type: typeof parsed.frontmatter.type === 'string' ? parsed.frontmatter.type : 'note',
              via: 'bucket',
              named: 1,
              source_sha256: null,
              frontmatter: JSON.stringify(parsed.frontmatter),
              body: parsed.body,
            });
            return {
              result: null,
              effect: { actor: caller.handle, action: 'taskforce.file', target: path, detail: { bytes } },
            };
          });
        } else {
          await hub.note({ actor: caller.handle, action: 'taskforce.file', target: path, detail: { bytes } });
        }
        return reply.code(201).send({
          kind: 'file',
          filename: b.dest_path,
          via: 'bucket',
          path,
        } satisfies TaskforceNoteCreated);
      },
    );

    app.get(
      '/v1/taskforces/:name/files',
      { schema: { params: NameParams }, ...describe("A taskforce's files", 'none', { 200: TaskforceFileList }) },
      async (request): Promise<TaskforceFileList> => {
        const row = get(request.params.name);
        const items = [
          { path: 'README.md', size: Buffer.byteLength(recordFile(row.readme_frontmatter, row.readme_body)) },
          ...hub.taskforces
            .stampedNotes(row.name)
            .map((n) => ({ path: n.filename, size: Buffer.byteLength(recordFile(n.frontmatter, n.body)) })),
          ...(await folderFiles(row.name)).map((e) => ({ path: e.path, size: e.bytes })),
        ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
        return { count: items.length, items };
      },
    );

    app.get(
      '/v1/taskforces/:name/files/*',
      {
        schema: { params: FileParams },
        ...describe('Download one taskforce file (the README and notes with their frontmatter)', 'none', {
          200: [FolderListing, FileBytes],
        }),
      },
      async (request, reply) => {
        const row = get(request.params.name);
        const path = request.params['*'];
        const markdown = (text: string) => reply.type('text/markdown; charset=utf-8').send(text);
        if (path === 'README.md') return markdown(recordFile(row.readme_frontmatter, row.readme_body));
        const note = hub.taskforces.note(row.name, path);
        if (note && note.named === 0) return markdown(recordFile(note.frontmatter, note.body));
        return sendFile(hub, reply, folder(row.name), path, `taskforces/${row.name}/`);
      },
    );
  };
