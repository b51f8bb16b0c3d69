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
    // Built on first request: every route has registered by then, and none registers later. The description says the
    // goal, which installing or changing a pack changes: the document and page are rebuilt when it does.
    let built: { description: string; doc: OpenApiDocument; page: string | null } | null = null;
    const current = (): { description: string; doc: OpenApiDocument; page: string | null } => {
      const description = `The /v1 API of this Collab Desk hub. ${hubGoal(hub)}`;
      if (built?.description !== description)
        built = {
          description,
          doc: buildOpenApiDocument(routes, { title: `${hub.config.title} API`, version, description }),
          page: null,
        };
      return built;
    };
    const document = (): OpenApiDocument => current().doc;
    const docsPage = (): string => {
      const entry = current();
      return (entry.page ??= renderDocsPage(entry.doc));
    };

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
          .send(docsPage()),
    );
  };
