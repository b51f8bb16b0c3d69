// Sync routes (organizer only): Hugging Face sign-in, connected public collabs and agents on them, preview and publish, the outbox.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  CollabAgent,
  CollabRegisterBody,
  ConnectBody,
  OutboxItem,
  OutboxList,
  OutboxQuery,
  PublishBody,
  PublishPreview,
  SyncCollab,
  SyncDiscoverList,
  SyncLoginBody,
  SyncLoginResponse,
  SyncLogoutResponse,
  SyncStatus,
  type SyncControl,
} from '../../shared/sync-api';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { requireOrganizer } from '../identity';
import { checkMessage, publishMaterial } from '../publish-material';
import { describe } from './route-options';

const OutboxParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const DEFAULT_OUTBOX_LIMIT = 50;

/**
 * The sync service's refusals are CodedErrors (SyncError) whose codes ERROR_STATUS knows, so the error handler
 * answers them as they are; nothing here translates them. Every route is the organizer's: signing in holds the
 * person's Hugging Face token, and publishing speaks for them on a public collab.
 */
export const syncRoutes =
  (hub: HubContext, currentSync: () => SyncControl | null): FastifyPluginAsyncTypebox =>
  async (app) => {
    /**
     * What the sync service publishes: a local result's material (checked for held-out prompts and secrets), or for
     * a collab job none (the service reads its summary.json), with the board message checked all the same.
     */
    const materialOf = (body: PublishBody) => {
      if ((body.result === undefined) === (body.job === undefined))
        throw new HubError(
          'INVALID_BODY',
          body.result === undefined
            ? 'body names neither "result" nor "job"'
            : 'body names both "result" and "job"; give exactly one',
          'give {result: a local result filename} or {job: a collab job id or its run prefix runs/...}',
        );
      if (body.trace_session !== undefined && body.trace === undefined)
        throw new HubError(
          'INVALID_BODY',
          '"trace_session" was given without "trace"',
          'add trace: "stats" or "full" to share that session, or leave trace_session out',
        );
      if (body.result !== undefined)
        return publishMaterial(
          hub,
          body.result,
          body.message,
          body.trace ? { share: body.trace, session: body.trace_session } : undefined,
        );
      if (body.trace !== undefined)
        throw new HubError(
          'INVALID_BODY',
          "a trace is shared with a local result, not with a collab job's",
          "publish the job without trace; share the agent's session from its scratch folder (POST /v1/traces) instead",
        );
      checkMessage(hub, body.message);
      return null;
    };

    const requireSync = (): SyncControl => {
      const sync = currentSync();
      if (!sync)
        throw new HubError(
          'SYNC_DISABLED',
          'this hub runs no sync service (Hugging Face sign-in and publishing to public collabs)',
          'start the hub with `collab-desk hub` or the desktop app, which run the sync service beside it',
        );
      return sync;
    };

    app.get(
      '/v1/sync',
      describe(
        'Sync status: who is signed in to Hugging Face (never the token), a device sign-in under way, the connected public collabs with the agents registered on them, and the outbox by state',
        'organizer',
        { 200: SyncStatus },
      ),
      async (request): Promise<SyncStatus> => {
        requireOrganizer(hub, request);
        return requireSync().status();
      },
    );

    app.post(
      '/v1/sync/login',
      {
        schema: { body: SyncLoginBody },
        ...describe(
          'Sign in to Hugging Face: {} starts a device-code sign-in (open verification_uri, type user_code); {browser: true} starts a browser sign-in (open browser_login.authorize_url; the hub waits on loopback); {token} checks a pasted token and keeps it',
          'organizer',
          { 200: SyncLoginResponse },
        ),
      },
      async (request): Promise<SyncLoginResponse> => {
        requireOrganizer(hub, request);
        return requireSync().login(request.body);
      },
    );

    app.post(
      '/v1/sync/logout',
      describe(
        "Sign out of Hugging Face: removes the login this machine's sign-in wrote, and names the logins found elsewhere that it left alone",
        'organizer',
        { 200: SyncLogoutResponse },
      ),
      async (request): Promise<SyncLogoutResponse> => {
        requireOrganizer(hub, request);
        return requireSync().logout();
      },
    );

    app.post(
      '/v1/sync/collabs',
      {
        schema: { body: ConnectBody },
        ...describe(
          'Connect a public collab {target: backend URL, dashboard URL or org/slug}: reads its rules (score field, required fields, whether it runs jobs)',
          'organizer',
          { 201: SyncCollab },
        ),
      },
      async (request, reply) => {
        requireOrganizer(hub, request);
        const collab = await requireSync().connect(request.body.target);
        return reply.code(201).send(collab satisfies SyncCollab);
      },
    );

    app.get(
      '/v1/sync/discover',
      describe(
        'The collab dashboards on the Hugging Face Hub (Spaces tagged agent-collab), most liked first, each with the dashboard URL that connects it and whether it is connected here; private and org Spaces too when signed in',
        'organizer',
        { 200: SyncDiscoverList },
      ),
      async (request): Promise<SyncDiscoverList> => {
        requireOrganizer(hub, request);
        return requireSync().discover();
      },
    );

    app.post(
      '/v1/sync/agents',
      {
        schema: { body: CollabRegisterBody },
        ...describe(
          'Register an agent on a connected collab {collab, agent_id, model, harness?}: its identity there and its scratch bucket',
          'organizer',
          { 201: CollabAgent },
        ),
      },
      async (request, reply) => {
        requireOrganizer(hub, request);
        const agent = await requireSync().register(request.body);
        return reply.code(201).send(agent satisfies CollabAgent);
      },
    );

    app.post(
      '/v1/sync/preview',
      {
        schema: { body: PublishBody },
        ...describe(
          'Preview publishing a result {result | job, collab, agent, bundle?, message?} (job: a completed collab job, published from its summary.json): every file and call that would leave the machine, what stays, and the digest publish takes',
          'organizer',
          { 200: PublishPreview },
        ),
      },
      async (request): Promise<PublishPreview> => {
        requireOrganizer(hub, request);
        const sync = requireSync();
        return sync.preview(materialOf(request.body), request.body);
      },
    );

    app.post(
      '/v1/sync/publish',
      {
        schema: { body: PublishBody },
        ...describe(
          "Publish a result as previewed {result | job, collab, agent, bundle?, message?, digest}: queued in the outbox (durable before this answers) and sent in the background; a digest other than the preview's is refused",
          'organizer',
          { 202: OutboxItem },
        ),
      },
      async (request, reply) => {
        requireOrganizer(hub, request);
        const sync = requireSync();
        // Publishing sends exactly what was shown: without the preview's digest there is nothing to compare with.
        if (request.body.digest === undefined)
          throw new HubError(
            'INVALID_BODY',
            'body is missing the field "digest"',
            'POST /v1/sync/preview with the same body first, then publish with the digest it answered',
          );
        const item = await sync.publish(materialOf(request.body), request.body);
        return reply.code(202).send(item satisfies OutboxItem);
      },
    );

    app.get(
      '/v1/sync/outbox',
      {
        schema: { querystring: OutboxQuery },
        ...describe(
          "The outbox, newest first: each publish's state (queued, sending, sent, failed, cancelled), its steps, its error and what to do, and the public filename once sent",
          'organizer',
          { 200: OutboxList },
        ),
      },
      async (request): Promise<OutboxList> => {
        requireOrganizer(hub, request);
        return { items: requireSync().outbox(request.query.limit ?? DEFAULT_OUTBOX_LIMIT) };
      },
    );

    app.post(
      '/v1/sync/outbox/:id/retry',
      {
        schema: { params: OutboxParams },
        ...describe('Try a failed or waiting outbox item again now', 'organizer', { 200: OutboxItem }),
      },
      async (request): Promise<OutboxItem> => {
        requireOrganizer(hub, request);
        return requireSync().retry(request.params.id);
      },
    );

    app.post(
      '/v1/sync/outbox/:id/cancel',
      {
        schema: { params: OutboxParams },
        ...describe('Cancel an outbox item that is not sent yet', 'organizer', { 200: OutboxItem }),
      },
      async (request): Promise<OutboxItem> => {
        requireOrganizer(hub, request);
        return requireSync().cancel(request.params.id);
      },
    );
  };
