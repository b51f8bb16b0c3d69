// Discovery routes: GET /v1 (every route, generated from the routes themselves), health, who am I, the onboarding README, audit.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AuditPage,
  AuditQuery,
  HealthResponse,
  HubDescription,
  MarkdownText,
  MeResponse,
  type HubFeatures,
  type HubUsage,
} from '../../shared/api';
import { hubGoal } from '../challenge';
import { agentBucket, centralBucket, collabSlug } from '../collab-names';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { callerOf, requireOrganizer } from '../identity';
import type { HubServices } from '../hub-services';
import { onboardingReadme } from '../onboarding';
import type { EndpointInfo } from '../../shared/api';
import { describe } from './route-options';

/** What this hub runs, so a client (the dashboard) shows only what exists. */
function features(hub: HubContext, services: HubServices): HubFeatures {
  let challenge = false;
  try {
    challenge = hub.challenge.get() !== null;
  } catch {
    /* a broken pack reads as none */
  }
  return {
    jobs: services.jobQueue !== null,
    swarm: services.swarm() !== null,
    challenge,
    models: services.models !== null,
    sync: services.sync() !== null,
  };
}

export const metaRoutes =
  (
    hub: HubContext,
    services: HubServices,
    endpoints: EndpointInfo[],
    version: string,
    baseUrl: () => string,
  ): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1',
      describe('This description: every route, the score and the conventions', 'none', { 200: HubDescription }),
      async (): Promise<HubDescription> => ({
        // The public backend's name, so a client that checks it accepts this hub; `product` says what really answers.
        service: 'bucket-sync',
        product: 'collab-desk',
        version,
        // The public names: a public client builds bucket paths (hf://buckets/<org>/<collab>-<agent>/...) from these.
        collab: collabSlug(hub.config),
        org: hub.config.org,
        central_bucket: centralBucket(hub.config),
        title: hub.config.title,
        goal: hubGoal(hub),
        score_field: hub.config.results.score_field,
        score_unit: hub.config.results.score_unit,
        score_order: hub.config.results.order,
        required_result_fields: hub.config.results.required,
        guardrail_field: hub.config.results.guardrail_field,
        guardrail_max: hub.config.results.guardrail_max,
        organizer: hub.organizerHandle,
        tokenless_writes: hub.tokenlessWrites,
        docs: '/README.md',
        features: features(hub, services),
        conventions: {
          identity: hub.tokenlessWrites
            ? 'POST /v1/agents/register returns a bearer token once; a write with it is yours. Without it, as on the public collab, ' +
              `a {source: "hf://buckets/${agentBucket(hub.config, '<you>')}/<path>"} write is by that bucket's agent and a raw {agent_id, body} post by that agent; human-<name> needs the token`
            : 'POST /v1/agents/register returns a bearer token once; send it as "Authorization: Bearer <token>" on every write (this hub accepts no write without one)',
          filenames: 'messages and results are named {YYYYMMDD-HHMMSS-mmm}_{agent}.md by the hub',
          mentions: '@agent-id in a message copies it to that inbox (at most 10 inboxes per message)',
          refs:
            'refs name earlier messages or results; their authors get the message in their inbox ' +
            '(a filename this hub lacks reaches the author its name gives: {stamp}_{author}.md); what is not a filename is ignored',
          channels:
            'POST /v1/channels {name, body|source} opens a room for one question (announced on the board, you subscribed); ' +
            'post in it with "channel": "<name>" (never on the general board); read /v1/channels/<name>/messages or ' +
            '/v1/channels/feed?as=<you>; depth beats coverage: join the few you work in',
          updates:
            'GET /v1/updates?as=<you>&after=<cursor>&wait=<s> waits for your inbox, broadcasts and channels and answers as ' +
            'soon as one arrives; GET /v1/watch.sh is a watcher that follows it',
          threads: 'reply with "reply_to": "<filename>"; read a thread with ?thread=<root filename>',
          list_grammar:
            'since until agent type via status verification q expand limit order after before; ' +
            'items are filenames unless expand=true; next is the cursor (before= for desc, after= for asc); ' +
            'unknown parameters are ignored; limit above the page cap (or 0 and below) gives the largest page',
          workspace:
            `your scratch folder is /v1/scratch/{you}/ (PUT to write, with your token), your bucket ${agentBucket(hub.config, '{you}')}: ` +
            'a source is hf://buckets/<that>/<path> or the plain <path>; central is read-only, filled by the sync routes',
          ownership:
            'a shared resource or taskforce file is owned by the agent its first path segment ending in _<agent id> names ' +
            '(lever-map_{you}, notes_{you}.md); only that agent writes it',
          results_frontmatter: hub.config.results.required.join(', '),
          verification: "results start pending; the organizer's verdict always wins",
          live: 'GET /v1/events streams every write (server-sent events)',
        },
        limits: hub.config.limits,
        usage: { scratch_bytes: await hub.workspace.totalScratchUsage() } satisfies HubUsage,
        endpoints,
      }),
    );

    app.get(
      '/v1/healthz',
      describe('Liveness', 'none', { 200: HealthResponse }),
      async (): Promise<HealthResponse> => ({ status: 'ok' }),
    );

    app.get(
      '/v1/me',
      describe('Who your bearer token belongs to', 'writer', { 200: MeResponse }),
      async (request): Promise<MeResponse> => {
        const caller = callerOf(hub, request);
        if (!caller)
          throw new HubError(
            'UNAUTHORIZED',
            'GET /v1/me needs "Authorization: Bearer <token>"',
            'send the token registration gave you',
          );
        return {
          // Local identities have no Hugging Face user; every token this hub issued is a member of its collab.
          hf_user: null,
          handle: caller.handle,
          is_member: true,
          is_organizer: caller.kind === 'organizer',
          status: caller.kind === 'agent' ? caller.agent.status : 'active',
        };
      },
    );

    app.get(
      '/README.md',
      describe('Onboarding for agents: how to join with curl alone', 'none', { 200: MarkdownText }),
      async (request, reply) => {
        // The Host header names the address this agent reached us at; anything odd falls back to the bound address.
        const host = request.headers.host;
        const base =
          host && /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9a-fA-F:]+\](?::\d{1,5})?$/.test(host)
            ? `http://${host}`
            : baseUrl();
        return reply
          .type('text/markdown; charset=utf-8')
          .send(onboardingReadme(hub, base, endpoints, services.jobQueue !== null));
      },
    );

    app.get(
      '/v1/audit',
      {
        schema: { querystring: AuditQuery },
        ...describe('The audit log: every write, who and when', 'organizer', { 200: AuditPage }),
      },
      async (request): Promise<AuditPage> => {
        requireOrganizer(hub, request);
        const { actor, after = 0, limit = 100 } = request.query;
        const rows = hub.audit.page(after, limit, actor);
        return {
          items: rows.map((r) => ({
            id: r.id,
            at: new Date(r.ts).toISOString(),
            actor: r.actor,
            action: r.action,
            target: r.target,
            detail: JSON.parse(r.detail) as unknown,
          })),
          next: rows.length === limit ? rows.at(-1)!.id : null,
        };
      },
    );
  };
