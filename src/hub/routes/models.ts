// Model routes: what is installed, available and downloading for everyone; pulls, cancels and deletes for the organizer.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  DeleteModelQuery,
  DownloadResponse,
  ModelDeleted,
  ModelsInfo,
  PullModelBody,
  type DownloadInfo,
  type ExtraModelUse,
  type ModelLibrary,
} from '../../shared/models';
import type { SwarmControl } from '../../shared/swarm';
import { readAgentDefaults } from '../agent-defaults';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { requireOrganizer } from '../identity';
import { HUB_HANDLE } from '../jobs/job-results';
import { describe } from './route-options';

const ModelParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** An inference host in these states has the model loaded, or will load it again (paused for a benchmark job). */
const HOLDS_MODEL = new Set(['loading', 'ready', 'paused']);

/** The uses of model files only the hub knows: the model the swarm's inference host has loaded, the saved agent defaults' model. */
function hubUses(hub: HubContext, swarm: SwarmControl | null): ExtraModelUse[] {
  const uses: ExtraModelUse[] = [];
  const inference = swarm?.status().inference ?? null;
  if (inference?.model && HOLDS_MODEL.has(inference.state)) {
    uses.push({
      path: inference.model,
      kind: 'inference',
      label: 'loaded by the inference host',
      warning:
        "The swarm's inference host has it loaded: the local agents lose their model when it reloads (stop the local agents first).",
    });
  }
  const saved = readAgentDefaults(hub.layout.settings).model;
  if (saved) {
    uses.push({
      path: saved,
      kind: 'defaults',
      label: 'agent defaults',
      warning:
        "The saved agent defaults name it as the local agents' model: spawning with the defaults fails until it is back (or until Settings names another model).",
    });
  }
  return uses;
}

export const modelRoutes =
  (hub: HubContext, models: ModelLibrary | null, currentSwarm: () => SwarmControl | null): FastifyPluginAsyncTypebox =>
  async (app) => {
    const requireModels = (): ModelLibrary => {
      if (!models)
        throw new HubError(
          'MODELS_DISABLED',
          'this hub manages no model files',
          'start it with `collab-desk hub` or the desktop app, which attach the model library',
        );
      return models;
    };
    /** Who asked to cancel which download, so the audit says who, not the puller (no entry: the hub closed). */
    const cancelledBy = new Map<string, string>();

    /**
     * Every change of a pull goes out as passing news (`model.progress`, never replayed: GET /v1/models has the
     * state whole); how it ended is also written to the audit log, so `model.installed` / `model.failed` /
     * `model.cancelled` replay. A pack file whose changed hash was accepted on purpose says so in `model.installed`.
     */
    const announce =
      (actor: string, acceptedNewHash = false) =>
      (download: DownloadInfo): void => {
        hub.events.publish({ id: null, type: 'model.progress', data: download });
        if (download.state !== 'done' && download.state !== 'failed' && download.state !== 'cancelled') return;
        const target = `${download.repo}/${download.file}`;
        let note: { actor: string; action: string; detail: Record<string, unknown> };
        if (download.state === 'done') {
          note = {
            actor,
            action: 'model.installed',
            detail: {
              download: download.id,
              bytes: download.total ?? download.bytes,
              path: download.path,
              ...(acceptedNewHash ? { accepted_new_hash: true } : {}),
            },
          };
        } else if (download.state === 'cancelled') {
          const by = cancelledBy.get(download.id);
          note = {
            actor: by ?? HUB_HANDLE,
            action: 'model.cancelled',
            detail: {
              download: download.id,
              bytes: download.bytes,
              total: download.total,
              pulled_by: actor,
              reason: by ? 'cancelled' : 'the hub closed',
            },
          };
        } else {
          note = {
            actor,
            action: 'model.failed',
            detail: { download: download.id, state: download.state, error: download.error },
          };
        }
        // A pull that ends while the hub closes may find nowhere to be written; its partial file stays for a resume.
        hub.note({ ...note, target }).catch(() => undefined);
      };

    app.get(
      '/v1/models',
      describe(
        'Models: installed GGUF files (size, where, used by), models the challenge packs name, downloads with progress, disk use',
        'none',
        { 200: ModelsInfo },
      ),
      async (): Promise<ModelsInfo> => requireModels().list({ uses: hubUses(hub, currentSwarm()) }),
    );

    app.post(
      '/v1/models/pull',
      {
        schema: { body: PullModelBody },
        ...describe(
          'Download a GGUF file from the Hugging Face Hub {repo, file, revision?, sha256?, accept_new_hash?}: 202 with the download; progress on the event stream (model.progress). A pack file that changed on the Hub since its first download here is refused (MODEL_CHANGED_ON_HUB) unless accept_new_hash',
          'organizer',
          { 202: DownloadResponse },
        ),
      },
      async (request, reply) => {
        const caller = requireOrganizer(hub, request);
        const models = requireModels();
        const download = await models.pull(
          request.body,
          announce(caller.handle, request.body.accept_new_hash === true),
        );
        return reply.code(202).send({ download } satisfies DownloadResponse);
      },
    );

    app.delete(
      '/v1/models/downloads/:id',
      {
        schema: { params: ModelParams },
        ...describe('Cancel a download (the bytes so far stay: pulling again resumes)', 'organizer', {
          200: DownloadResponse,
        }),
      },
      async (request): Promise<DownloadResponse> => {
        const caller = requireOrganizer(hub, request);
        const models = requireModels();
        const id = request.params.id;
        cancelledBy.set(id, caller.handle);
        try {
          return { download: await models.cancel(id) };
        } finally {
          cancelledBy.delete(id);
        }
      },
    );

    app.delete(
      '/v1/models/:id',
      {
        schema: { params: ModelParams, querystring: DeleteModelQuery },
        ...describe(
          'Delete a downloaded or generated model (force=true when the installed pack, the agents, the inference host or the agent defaults use it); answers the bytes freed',
          'organizer',
          { 200: ModelDeleted },
        ),
      },
      async (request): Promise<ModelDeleted> => {
        const caller = requireOrganizer(hub, request);
        const models = requireModels();
        const { model, freed_bytes } = await models.delete(request.params.id, {
          force: request.query.force === true,
          uses: hubUses(hub, currentSwarm()),
        });
        await hub.note({
          actor: caller.handle,
          action: 'model.deleted',
          target: model.repo && model.file ? `${model.repo}/${model.file}` : model.path,
          detail: { id: model.id, name: model.name, freed_bytes },
        });
        return { deleted: model.id, name: model.name, freed_bytes };
      },
    );
  };
