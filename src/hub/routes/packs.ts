// The shipped challenge packs, and installing one from the dashboard (the organizer; nothing downloads without a yes).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InstallPackBody, PackInstall, PacksInfo, type PackInstaller } from '../../shared/packs-api';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { callerOf, requireOrganizer } from '../identity';
import { describe } from './route-options';

/** The installed pack's id; null when none (or a broken one: the challenge routes say why). */
function installedPackId(hub: HubContext): string | null {
  try {
    return hub.challenge.get()?.id ?? null;
  } catch {
    return null;
  }
}

export const packRoutes =
  (hub: HubContext, packs: PackInstaller | null): FastifyPluginAsyncTypebox =>
  async (app) => {
    const requirePacks = (): PackInstaller => {
      if (!packs)
        throw new HubError(
          'PACKS_DISABLED',
          'this hub installs no challenge packs',
          'install one with `collab-desk challenge init demo` (or gemma), or start the hub with `collab-desk hub` or the desktop app',
        );
      return packs;
    };

    app.get(
      '/v1/packs',
      describe(
        'The challenge packs this installation ships (which one is installed, which download models) and the install running or last ended',
        'none',
        { 200: PacksInfo },
      ),
      async (request): Promise<PacksInfo> => {
        const installer = requirePacks();
        const install = installer.status();
        // What an install does and why it failed names the organizer's folders: other readers get its state only.
        const organizer = callerOf(hub, request)?.kind === 'organizer';
        return {
          packs: installer.shipped(installedPackId(hub)),
          install: organizer ? install : { ...install, step: null, download: null, error: null },
        };
      },
    );

    app.post(
      '/v1/packs/install',
      {
        schema: { body: InstallPackBody },
        ...describe(
          "Install a shipped pack {pack, downloads?}: 202 with the install; progress on the event stream (pack.install). A pack whose models come from the Hub needs downloads: true, the user's yes",
          'organizer',
          { 202: PackInstall },
        ),
      },
      async (request, reply) => {
        requireOrganizer(hub, request);
        const installer = requirePacks();
        const pack = installer.shipped(installedPackId(hub)).find((p) => p.id === request.body.pack);
        if (!pack)
          throw new HubError(
            'NOT_FOUND',
            `no shipped pack "${request.body.pack}"`,
            `shipped: ${
              installer
                .shipped(null)
                .map((p) => p.id)
                .join(', ') || 'none'
            }`,
          );
        if (pack.downloads && request.body.downloads !== true) {
          const files = pack.models.filter((m) => m.source === 'hf').map((m) => `${m.repo}/${m.file}`);
          throw new HubError(
            'DOWNLOADS_NOT_ACCEPTED',
            `installing ${pack.id} downloads ${files.length} model file(s) from the Hugging Face Hub (${files.join(', ')})`,
            'ask the user, then send {"pack": "' + pack.id + '", "downloads": true}',
          );
        }
        let install;
        try {
          install = installer.install(
            pack.id,
            (change) => hub.events.publish({ id: null, type: 'pack.install', data: change, organizerOnly: true }),
            // The calibration measures on this machine: it holds the GPU lease as a benchmark job does.
            (what, work, signal) => hub.lease.holdDuring(what, hub.now(), work, signal),
          );
        } catch (err) {
          if ((err as { code?: string }).code === 'INSTALL_BUSY')
            throw new HubError('INSTALL_BUSY', (err as Error).message, 'GET /v1/packs says how far it is');
          throw err;
        }
        return reply.code(202).send(install);
      },
    );

    app.post(
      '/v1/packs/install/cancel',
      describe('Cancel the running install (what it downloaded stays in the cache for a later one)', 'organizer', {
        200: PackInstall,
      }),
      async (request) => {
        requireOrganizer(hub, request);
        return requirePacks().cancel();
      },
    );
  };
