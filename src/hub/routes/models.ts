// Model routes: what is installed, available and downloading for everyone; pulls, cancels and deletes for the organizer.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DeleteModelQuery, ModelLibraryError, PullModelBody, type DownloadInfo, type ModelLibrary } from '../../shared/models';
import type { Hub } from '../hub';
import { HubError } from '../hub-error';
import { requireOrganizer } from '../identity';
import { describe } from './route-options';

const ModelParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** The library's refusals keep their meaning on the wire. */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ModelLibraryError) throw new HubError(err.code, err.message, err.hint);
    throw err;
  }
}

export const modelRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  const requireModels = (): ModelLibrary => {
    if (!hub.models) throw new HubError('MODELS_DISABLED', 'this hub manages no model files', 'start it with `collab-desk hub` or the desktop app, which attach the model library');
    return hub.models;
  };

  /**
   * Every change of a pull goes out as passing news (`model.progress`, never replayed: GET /v1/models has the
   * state whole); how it ended is also written to the audit log, so `model.installed` / `model.failed` replay.
   */
  const announce = (actor: string) => (download: DownloadInfo): void => {
    hub.events.publish({ id: null, type: 'model.progress', data: download });
    if (download.state !== 'done' && download.state !== 'failed' && download.state !== 'cancelled') return;
    const target = `${download.repo}/${download.file}`;
    const detail = download.state === 'done'
      ? { download: download.id, bytes: download.total ?? download.bytes, path: download.path }
      : { download: download.id, state: download.state, error: download.error };
    // A pull that ends while the hub closes has nowhere to be written; its partial file stays for a resume.
    hub.note({ actor, action: download.state === 'done' ? 'model.installed' : 'model.failed', target, detail }).catch(() => undefined);
  };

  app.get('/v1/models', describe('Models: installed GGUF files (size, where, used by), models the challenge packs name, downloads with progress, disk use'), async () => requireModels().list());

  app.post('/v1/models/pull', { schema: { body: PullModelBody }, ...describe('Download a GGUF file from the Hugging Face Hub {repo, file, revision?, sha256?}: 202 with the download; progress on the event stream (model.progress)', 'organizer') }, async (request, reply) => {
    const caller = requireOrganizer(hub, request);
    const models = requireModels();
    const download = await guarded(() => models.pull(request.body, announce(caller.handle)));
    return reply.code(202).send({ download });
  });

  app.delete('/v1/models/downloads/:id', { schema: { params: ModelParams }, ...describe('Cancel a download (the bytes so far stay: pulling again resumes)', 'organizer') }, async (request) => {
    requireOrganizer(hub, request);
    const models = requireModels();
    return { download: await guarded(() => models.cancel(request.params.id)) };
  });

  app.delete('/v1/models/:id', { schema: { params: ModelParams, querystring: DeleteModelQuery }, ...describe('Delete a downloaded or generated model (force=true when the installed pack or the agents use it); answers the bytes freed', 'organizer') }, async (request) => {
    const caller = requireOrganizer(hub, request);
    const models = requireModels();
    const { model, freed_bytes } = await guarded(() => models.delete(request.params.id, { force: request.query.force === true }));
    await hub.note({ actor: caller.handle, action: 'model.deleted', target: model.repo && model.file ? `${model.repo}/${model.file}` : model.path, detail: { id: model.id, name: model.name, freed_bytes } });
    return { deleted: model.id, name: model.name, freed_bytes };
  });
};
