// Builds the hub's HTTP server (Fastify + JSON-schema validation) over its record and services, and starts it on loopback.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { JobRunner } from '../shared/challenge';
import type { HubConfig } from '../shared/config';
import type { ModelLibrary } from '../shared/models';
import type { PackInstaller } from '../shared/packs-api';
import type { SwarmControl } from '../shared/swarm';
import type { SyncControl } from '../shared/sync-api';
import type { MirrorControl } from '../shared/mirror-api';
import { APP_VERSION } from '../shared/version';
import { dashboardRoutes, defaultDashboardDir } from './dashboard';
import { clientErrorHandler, connectRefusal, frameworkErrorHandler, installErrorHandling } from './error-handler';
import { installValidation } from './validation';
import { publishHubUrl } from './data-folder-lock';
import { HostedHub } from './hosted-hub';
import type { HubContext } from './hub-context';
import { HubError } from './hub-error';
import type { HubServices } from './hub-services';
import { ReadCache } from './read-cache';
import { agentRoutes } from './routes/agents';
import { channelRoutes } from './routes/channels';
import { digestRoutes } from './routes/digest';
import { docsRoutes } from './routes/docs';
import { eventRoutes } from './routes/events';
import { jobRoutes } from './routes/jobs';
import { messageRoutes } from './routes/messages';
import { metaRoutes } from './routes/meta';
import { modelRoutes } from './routes/models';
import { packRoutes } from './routes/packs';
import { resultRoutes } from './routes/results';
import { settingsRoutes } from './routes/settings';
import { publicAgentStatus, swarmRoutes } from './routes/swarm';
import { mirrorRoutes } from './routes/mirror';
import { syncRoutes } from './routes/sync';
import type { EndpointInfo } from '../shared/api';
import { openApiPath, type DocumentedRoute } from './openapi';
import { paramsLine } from './routes/endpoint-params';
import type { RouteMeta } from './routes/route-options';
import { taskforceRoutes } from './routes/taskforces';
import { updateRoutes } from './routes/updates';
import { hubWaiters } from './updates';
import { traceRoutes } from './routes/traces';
import { workspaceRoutes } from './routes/workspace';

export { APP_VERSION };

export interface HubServerOptions {
  dataDir: string;
  host?: string;
  port?: number;
  config?: Partial<HubConfig>;
  /** Fastify's logger (pino); off in tests. */
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
  clock?: () => number;
  /** Runs benchmark jobs (the bench engine); without one the hub is board-only and /v1/jobs answers JOBS_DISABLED. */
  jobRunner?: JobRunner;
  /** The model files on this machine (the bench's library); without one /v1/models answers MODELS_DISABLED. */
  models?: ModelLibrary;
  /** Installs the shipped challenge packs from the dashboard (the bench's installer); without one /v1/packs answers PACKS_DISABLED. */
  packs?: PackInstaller;
  /** The built dashboard served at `/` (default: this package's out/renderer); null serves none. */
  dashboardDir?: string | null;
}

export interface RunningHub {
  hub: HostedHub;
  app: FastifyInstance;
  url: string;
  organizerTokenPath: string;
  /**
   * Runs a swarm beside the hub: its routes answer, its status changes go out on the event stream, and closing the
   * hub stops it first (agents, then inference), so no agent writes into a closing record.
   */
  attachSwarm(swarm: SwarmControl): void;
  /**
   * Runs the sync service beside the hub (made over `hub.outboxRecord`): /v1/sync answers, each outbox change goes
   * out on the event stream as `sync.outbox` to the organizer, and closing the hub closes it first, so no outbox
   * write lands in a closing record.
   */
  attachSync(sync: SyncControl): void;
  /**
   * Runs the mirror of public collabs beside the hub (made over `hub.mirrorRecord`): /v1/mirror answers, and closing
   * the hub stops its followers first.
   */
  attachMirror(mirror: MirrorControl): void;
  close(): Promise<void>;
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * On loopback, only requests addressed to a loopback name are served: a web page that re-points its own domain at
 * 127.0.0.1 (DNS rebinding) would otherwise read the board, the settings and the model paths from the browser.
 */
export function hostAllowed(hostHeader: string | undefined, boundHost: string): boolean {
  if (!LOOPBACK_NAMES.has(boundHost)) return true;
  if (!hostHeader) return true;
  const name = hostHeader.startsWith('[')
    ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
    : hostHeader.replace(/:\d+$/, '');
  return LOOPBACK_NAMES.has(name.toLowerCase());
}

export async function buildHubServer(
  hub: HubContext,
  services: HubServices,
  options: Pick<HubServerOptions, 'logger' | 'dashboardDir' | 'host'> = {},
  baseUrl: () => string = () => '',
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: hub.config.limits.json_body_bytes,
    forceCloseConnections: true,
    return503OnClosing: true,
    // Every refusal in the one error body, even those raised before a route runs: the router's (a URL that does not
    // decode, a parameter too long) and Node's parser's (bytes that are not HTTP).
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // Node would answer an HTTP/1.1 request without Host itself, with an empty body; the onRequest hook refuses it.
    http: { requireHostHeader: false },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.server.on('connect', (_request: unknown, socket: Socket) => connectRefusal(socket));
  // An expectation other than 100-continue: Node would answer 417 with an empty body. The hub has none to meet, so the
  // request is served as if it had not asked (RFC 9110 allows either).
  app.server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) =>
    app.routing(request, response),
  );

  const endpoints: EndpointInfo[] = [];
  const documented: DocumentedRoute[] = [];
  app.addHook('onRoute', (route) => {
    const meta = route.config as Partial<RouteMeta> | undefined;
    if (!meta?.summary || route.method === 'HEAD' || route.url === '/') return;
    // A route that says what it does but not what it answers would leave a hole in /openapi.json: refuse to start.
    if (!meta.responses || Object.keys(meta.responses).length === 0)
      throw new Error(
        `${String(route.method)} ${route.url} declares no response (describe(summary, auth, { 200: Schema }))`,
      );
    const schema = route.schema ?? {};
    const query = (schema.querystring as { properties?: Record<string, unknown> } | undefined)?.properties;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      endpoints.push({
        method,
        // The public collab's form (`/v1/agents/{agent_id}`), the same as /openapi.json's.
        path: openApiPath(route.url),
        params: paramsLine(schema, meta.auth ?? 'none'),
        query: Object.keys(query ?? {}),
        purpose: meta.summary,
        auth: meta.auth ?? 'none',
      });
      documented.push({
        method,
        url: route.url,
        summary: meta.summary,
        auth: meta.auth ?? 'none',
        schema: { querystring: schema.querystring, params: schema.params, body: schema.body },
        responses: meta.responses,
      });
    }
  });
  // JSON routes take JSON only: a text/plain body is refused with 415 rather than parsed as a string.
  app.removeContentTypeParser('text/plain');
  installValidation(app);
  installErrorHandling(app);
  const boundHost = options.host ?? '127.0.0.1';
  app.addHook('onRequest', async (request) => {
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
      throw new HubError(
        'INVALID_REQUEST',
        'an HTTP/1.1 request needs a Host header',
        `send Host: 127.0.0.1:${request.socket.localPort} (any HTTP client does)`,
      );
    }
    if (!hostAllowed(request.headers.host, boundHost)) {
      throw new HubError(
        'FOREIGN_HOST',
        `this hub answers only on this machine's own addresses, not "${request.headers.host}"`,
        `use http://127.0.0.1:${request.socket.localPort}/ (or start the hub with --host to serve other machines)`,
      );
    }
  });
  const cache = new ReadCache(hub);
  // One registry for every wait= stream (updates, inbox, feed): a handle's waits share one set of slots, as public.
  const waiters = hubWaiters(hub);
  await app.register(metaRoutes(hub, services, endpoints, APP_VERSION, baseUrl));
  await app.register(agentRoutes(hub));
  await app.register(messageRoutes(hub, waiters));
  await app.register(taskforceRoutes(hub));
  await app.register(channelRoutes(hub, waiters));
  await app.register(resultRoutes(hub, cache));
  await app.register(digestRoutes(hub, cache, waiters));
  await app.register(traceRoutes(hub, cache));
  await app.register(workspaceRoutes(hub));
  await app.register(jobRoutes(hub, services.jobQueue));
  await app.register(swarmRoutes(hub, services.swarm));
  await app.register(syncRoutes(hub, services.sync));
  await app.register(mirrorRoutes(hub, services.mirror));
  await app.register(modelRoutes(hub, services.models, services.swarm));
  await app.register(packRoutes(hub, services.packs));
  await app.register(settingsRoutes(hub, services.models, baseUrl));
  await app.register(eventRoutes(hub));
  await app.register(updateRoutes(hub, waiters, baseUrl));
  await app.register(docsRoutes(hub, documented, APP_VERSION));
  await app.register(
    dashboardRoutes(options.dashboardDir === undefined ? defaultDashboardDir() : options.dashboardDir),
  );
  return app;
}

/** Opens (or creates) the data folder and serves the hub; port 0 picks a free port. */
export async function startHub(options: HubServerOptions): Promise<RunningHub> {
  const hub = new HostedHub(
    {
      dataDir: options.dataDir,
      host: options.host ?? '127.0.0.1',
      ...(options.config ? { config: options.config } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    },
    {
      ...(options.jobRunner ? { jobRunner: options.jobRunner } : {}),
      ...(options.models ? { models: options.models } : {}),
      ...(options.packs ? { packs: options.packs } : {}),
    },
  );
  let url = '';
  try {
    const app = await buildHubServer(hub, hub.services, options, () => url);
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 4440 });
    const addr = app.server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    url = `http://${host}:${addr.port}`;
    publishHubUrl(hub.layout.root, url);
    await hub.jobQueue?.start();
    let closed = false;
    let unfollowSwarm = (): void => {};
    let unfollowSync = (): void => {};
    let unfollowMirror = (): void => {};
    return {
      hub,
      app,
      url,
      organizerTokenPath: hub.layout.organizerToken,
      attachSwarm(swarm) {
        hub.swarm = swarm;
        unfollowSwarm = swarm.onChange((change) => {
          // Passing news like job progress: the status is always readable whole at GET /v1/swarm, so nothing is replayed.
          if (change.type === 'agent.status') {
            // An external agent's command line and output go to the organizer; other readers get its status without them.
            const target = change.agent.agent_id;
            hub.events.publish({
              id: null,
              type: change.type,
              data: { target, agent: change.agent },
              publicData: { target, agent: publicAgentStatus(change.agent) },
            });
          } else if (change.type === 'agent.removed') {
            hub.events.publish({
              id: null,
              type: change.type,
              data: { target: change.agent_id, agent_id: change.agent_id },
            });
          } else {
            hub.events.publish({
              id: null,
              type: change.type,
              data: { inference: change.inference, paused_for_job: change.paused_for_job },
            });
          }
        });
      },
      attachSync(sync) {
        unfollowSync();
        hub.sync = sync;
        // Passing news, never replayed: GET /v1/sync/outbox reads every item whole. An outbox item names the
        // organizer's collabs and results on their way out, so only the organizer's readers get it.
        unfollowSync = sync.onChange((item) =>
          hub.events.publish({ id: null, type: 'sync.outbox', data: item, organizerOnly: true }),
        );
      },
      attachMirror(mirror) {
        unfollowMirror();
        hub.mirror = mirror;
        // Passing news for everyone who may read the board: what a followed collab's copy now holds.
        unfollowMirror = mirror.onChange((collab) =>
          hub.events.publish({ id: null, type: 'mirror.updated', data: collab }),
        );
      },
      async close() {
        if (closed) return;
        closed = true;
        unfollowSwarm();
        unfollowSync();
        unfollowMirror();
        await hub.mirror?.close();
        await hub.sync?.close();
        await hub.swarm?.close();
        await hub.jobQueue?.close();
        await hub.models?.close();
        await hub.packs?.close();
        hub.events.close();
        await app.close();
        hub.close();
      },
    };
  } catch (err) {
    hub.close();
    throw err;
  }
}
