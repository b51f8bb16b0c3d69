// The contract, served: GET /openapi.json (OpenAPI 3.1, from every route's own declarations) and GET /docs (the same, as one HTML page).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DocsHtml, OpenApiJson } from '../../shared/api';
import { DOCS_CSP, renderDocsPage } from '../api-docs-page';
import { hubGoal } from '../challenge';
import type { HubContext } from '../hub-context';
import { buildOpenApiDocument, type DocumentedRoute, type OpenApiDocument } from '../openapi';
import { describe } from './route-options';

export const docsRoutes =
  (hub: HubContext, routes: readonly DocumentedRoute[], version: string): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Built on first request: every route has registered by then, and none registers later.
    let doc: OpenApiDocument | null = null;
    let page: string | null = null;
    const document = (): OpenApiDocument =>
      (doc ??= buildOpenApiDocument(routes, {
        title: `${hub.config.title} API`,
        version,
        description: `The /v1 API of this Collab Desk hub. ${hubGoal(hub)}`,
      }));

    app.get(
      '/openapi.json',
      describe(
        'This API as an OpenAPI 3.1 document: every route, its parameters, its answers and the error body',
        'none',
        { 200: OpenApiJson },
      ),
      async (_request, reply) => reply.type('application/json; charset=utf-8').send(document()),
    );

    app.get(
      '/docs',
      describe('This API as one HTML page, generated from /openapi.json', 'none', { 200: DocsHtml }),
      async (_request, reply) =>
        reply
          .type('text/html; charset=utf-8')
          .header('Content-Security-Policy', DOCS_CSP)
          .header('X-Content-Type-Options', 'nosniff')
          .header('X-Frame-Options', 'DENY')
          .header('Referrer-Policy', 'no-referrer')
          .send((page ??= renderDocsPage(document()))),
    );
  };
