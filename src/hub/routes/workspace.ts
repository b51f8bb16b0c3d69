// Workspace routes: each agent's scratch folder (only its own token writes), the central folder (read-only to
// everyone; the hub writes it through the two sync routes, whose sources may be hf://buckets/... URIs), listings and downloads of both.
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import {
  ArtifactSyncBody,
  FileBytes,
  FolderListing,
  FolderQuery,
  ScratchWritten,
  SharedResourceSyncBody,
  SyncResponse,
} from '../../shared/api';
import { rateLimitWrite } from '../board';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { scratchPathOf } from '../bucket-source';
import { writerOf } from '../identity';
import { perMinute } from '../rate-limiter';
import { pathSegments, type CopiedFile } from '../workspace';
import { requireOwnPath } from '../workspace-owner';
import { notRegistered } from './agents';
import { describe } from './route-options';

const ScratchParams = Type.Object({ agent_id: Type.String({ maxLength: 100 }), '*': Type.String({ maxLength: 1100 }) });
const ScratchRootParams = Type.Object({ agent_id: Type.String({ maxLength: 100 }) });
const CentralParams = Type.Object({ '*': Type.String({ maxLength: 1100 }) });

const TYPES: Record<string, string> = {
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.yaml': 'text/yaml; charset=utf-8',
  '.yml': 'text/yaml; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

/**
 * Serves a file or a folder listing. Files are agent-written, so they are served inert: no sniffing and a
 * sandboxing CSP, so an HTML or SVG file cannot run script on the hub's origin (where the dashboard lives).
 */
export async function sendFile(
  hub: HubContext,
  reply: FastifyReply,
  root: string,
  path: string,
  label: string,
  recursive = false,
): Promise<FastifyReply> {
  const rel = path.replace(/\/+$/, '');
  const found = await hub.workspace.locate(root, rel);
  if (!found) throw new HubError('NOT_FOUND', `no such file: ${label}${rel}`, `GET /v1/${label} lists the folder`);
  if (found.stat.isDirectory()) {
    const listing: FolderListing = { root: label, path: rel, entries: await hub.workspace.list(root, rel, recursive) };
    return reply.send(listing);
  }
  if (!found.stat.isFile())
    throw new HubError('NOT_FOUND', `${label}${rel} is not a regular file`, 'only files and folders are served');
  const stream: Readable = await hub.workspace.openRead(found, `${label}${rel}`);
  return reply
    .header('Content-Type', TYPES[extname(rel).toLowerCase()] ?? 'application/octet-stream')
    .header('Content-Length', String(found.stat.size))
    .header('X-Content-Type-Options', 'nosniff')
    .header('Content-Security-Policy', "default-src 'none'; sandbox")
    .header('Last-Modified', found.stat.mtime.toUTCString())
    .send(stream);
}

/** A write to `agentId`'s scratch folder: only its own token, within the scratch write rate; the owner's handle. */
function requireScratchWriter(hub: HubContext, request: FastifyRequest, agentId: string): string {
  // Tokens only (no claim): an upload carries no source to derive its author from; the public API has no such route.
  const caller = writerOf(hub, request);
  if (caller.kind !== 'agent' || caller.handle !== agentId) {
    throw new HubError(
      'NOT_YOUR_SCRATCH',
      `only ${agentId}'s own token writes to scratch/${agentId}`,
      caller.kind === 'agent'
        ? `write to /v1/scratch/${caller.handle}/ instead`
        : 'the organizer reads scratch folders but never writes them',
    );
  }
  hub.limiter.take(`scratch:${agentId}`, 'scratch writes', [perMinute(hub.config.limits.scratch_writes_per_minute)]);
  return agentId;
}

function syncResponse(dest: string, files: CopiedFile[]): SyncResponse {
  return { dest, files, bytes_copied: files.reduce((n, f) => n + f.bytes, 0) };
}

export const workspaceRoutes =
  (hub: HubContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const scratchRoot = (agentId: string) => {
      if (!hub.agents.get(agentId)) throw notRegistered(agentId);
      return hub.workspace.ensureScratchFolder(agentId);
    };

    // Uploads are streamed to disk as they arrive, whatever their type: no JSON parsing, no buffering in memory.
    await app.register(async (plain) => {
      const uploads = plain.withTypeProvider<TypeBoxTypeProvider>();
      uploads.removeAllContentTypeParsers();
      uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
      uploads.put(
        '/v1/scratch/:agent_id/*',
        {
          schema: { params: ScratchParams },
          ...describe('Upload a file to your own scratch folder (raw body)', 'agent', { 201: ScratchWritten }),
        },
        async (request, reply) => {
          const agentId = requireScratchWriter(hub, request, request.params.agent_id);
          const path = request.params['*'];
          pathSegments(path);
          const l = hub.config.limits;
          const declared = Number(request.headers['content-length'] ?? NaN);
          if (declared > l.scratch_file_bytes)
            throw new HubError(
              'PAYLOAD_TOO_LARGE',
              `the file is larger than the ${l.scratch_file_bytes}-byte limit for one scratch file`,
              'split it, or ask the organizer to raise limits.scratch_file_bytes',
            );
          const body = (request.body as Readable | undefined) ?? null;
          if (!body)
            throw new HubError('INVALID_BODY', 'the upload has no body', 'send the file bytes as the request body');
          const entry = await hub.workspace.writeScratch(agentId, path, body, {
            fileBytes: l.scratch_file_bytes,
            quotaBytes: l.scratch_quota_bytes,
            totalBytes: l.scratch_total_bytes,
          });
          await hub.note({
            actor: agentId,
            action: 'scratch.written',
            target: `${agentId}/${entry.path}`,
            detail: { bytes: entry.bytes, sha256: entry.sha256 },
          });
          return reply.code(201).send({
            path: entry.path,
            bytes: entry.bytes,
            sha256: entry.sha256,
            url: `/v1/scratch/${agentId}/${entry.path}`,
          } satisfies ScratchWritten);
        },
      );
    });

    app.delete(
      '/v1/scratch/:agent_id/*',
      {
        schema: { params: ScratchParams },
        ...describe('Delete a file or folder from your own scratch folder', 'agent', { 204: null }),
      },
      async (request, reply) => {
        const agentId = requireScratchWriter(hub, request, request.params.agent_id);
        await hub.workspace.deleteScratch(agentId, request.params['*'].replace(/\/+$/, ''));
        await hub.note({ actor: agentId, action: 'scratch.deleted', target: `${agentId}/${request.params['*']}` });
        return reply.code(204).send();
      },
    );

    app.get(
      '/v1/scratch/:agent_id',
      {
        schema: { params: ScratchRootParams, querystring: FolderQuery },
        ...describe("List an agent's scratch folder (recursive=true for all of it)", 'none', { 200: FolderListing }),
      },
      async (request, reply) =>
        sendFile(
          hub,
          reply,
          scratchRoot(request.params.agent_id),
          '',
          `scratch/${request.params.agent_id}/`,
          request.query.recursive,
        ),
    );
    app.get(
      '/v1/scratch/:agent_id/*',
      {
        schema: { params: ScratchParams, querystring: FolderQuery },
        ...describe('Download a scratch file, or list a folder', 'none', { 200: [FolderListing, FileBytes] }),
      },
      async (request, reply) =>
        sendFile(
          hub,
          reply,
          scratchRoot(request.params.agent_id),
          request.params['*'],
          `scratch/${request.params.agent_id}/`,
          request.query.recursive,
        ),
    );

    app.get(
      '/v1/central',
      { schema: { querystring: FolderQuery }, ...describe('List the central folder', 'none', { 200: FolderListing }) },
      async (request, reply) =>
        sendFile(hub, reply, hub.workspace.centralRoot, '', 'central/', request.query.recursive),
    );
    app.get(
      '/v1/central/*',
      {
        schema: { params: CentralParams, querystring: FolderQuery },
        ...describe('Download a central file, or list a folder', 'none', { 200: [FolderListing, FileBytes] }),
      },
      async (request, reply) =>
        sendFile(hub, reply, hub.workspace.centralRoot, request.params['*'], 'central/', request.query.recursive),
    );

    const limits = () => ({ files: hub.config.limits.sync_files, bytes: hub.config.limits.sync_bytes });

    app.post(
      '/v1/artifacts::sync',
      {
        schema: { body: ArtifactSyncBody },
        ...describe('Copy a scratch file or folder to central/artifacts/{dest_slug}_{you}/', 'agent', {
          200: SyncResponse,
        }),
      },
      async (request): Promise<SyncResponse> => {
        const caller = writerOf(hub, request, request.body);
        if (caller.kind !== 'agent')
          throw new HubError(
            'INVALID_BODY',
            'the organizer has no scratch folder to sync from',
            'agents sync their own work',
          );
        const source = scratchPathOf(hub, caller, request.body.source);
        rateLimitWrite(hub, caller);
        const dest = `artifacts/${request.body.dest_slug}_${caller.handle}`;
        const files = await hub.workspace.copyToCentral(caller.handle, source, dest, 'into', limits());
        const res = syncResponse(`${dest}/`, files);
        await hub.note({
          actor: caller.handle,
          action: 'artifact.synced',
          target: res.dest,
          detail: { files: files.length, bytes: res.bytes_copied },
        });
        return res;
      },
    );

    app.post(
      '/v1/shared-resources::sync',
      {
        schema: { body: SharedResourceSyncBody },
        ...describe(
          'Copy a scratch file or folder to central/shared_resources/{dest_path}/ (its first segment ending in _<agent id> must end in _{you})',
          'agent',
          { 200: SyncResponse },
        ),
      },
      async (request): Promise<SyncResponse> => {
        const caller = writerOf(hub, request, request.body);
        if (caller.kind !== 'agent')
          throw new HubError(
            'INVALID_BODY',
            'the organizer has no scratch folder to sync from',
            'agents sync their own work',
          );
        const destPath = request.body.dest_path.replace(/\/+$/, '');
        requireOwnPath(pathSegments(destPath, 'dest_path'), caller.handle, 'dest_path', `lever-map_${caller.handle}`);
        const source = scratchPathOf(hub, caller, request.body.source);
        rateLimitWrite(hub, caller);
        const dest = `shared_resources/${destPath}`;
        const files = await hub.workspace.copyToCentral(caller.handle, source, dest, 'into', limits());
        const res = syncResponse(`${dest}/`, files);
        await hub.note({
          actor: caller.handle,
          action: 'shared_resource.synced',
          target: res.dest,
          detail: { files: files.length, bytes: res.bytes_copied },
        });
        return res;
      },
    );
  };
