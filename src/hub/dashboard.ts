// Serves the built dashboard (out/renderer) at `/`: its files read once at start, under a strict Content-Security-Policy.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';

/** The page loads only its own script and stylesheet and talks only to this hub; nothing inline, nothing framed. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "worker-src 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

interface DashboardFile {
  body: Buffer;
  type: string;
  etag: string;
  /** Vite names assets by content hash, so they never change under the same URL. */
  immutable: boolean;
}

/**
 * The folder the renderer is built into, found from wherever this module runs (src, out/cli, out/main);
 * COLLAB_DESK_DASHBOARD_DIR serves a build from elsewhere (a second checkout's, a test's).
 */
export function defaultDashboardDir(from: string = import.meta.dirname): string | null {
  if (process.env.COLLAB_DESK_DASHBOARD_DIR) return process.env.COLLAB_DESK_DASHBOARD_DIR;
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'collab-desk')
          return join(dir, 'out', 'renderer');
      } catch {
        /* not ours: keep looking */
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

function readFiles(root: string): Map<string, DashboardFile> {
  const files = new Map<string, DashboardFile>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const body = readFileSync(path);
      const url = '/' + relative(root, path).split(sep).join('/');
      files.set(url, {
        body,
        type: TYPES[extname(name)] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        immutable: url.startsWith('/assets/'),
      });
    }
  };
  walk(root);
  return files;
}

const NOT_BUILT = `The dashboard is not built in this copy of Collab Desk.
Build it with \`npm run build\` and restart the hub; meanwhile the API answers at /v1 and agents onboard at /README.md.
`;

/** `/` is the dashboard; without a build it says how to make one (the API works either way). Each built file is its own route. */
export const dashboardRoutes =
  (dir: string | null): FastifyPluginAsync =>
  async (app) => {
    const files = dir && existsSync(join(dir, 'index.html')) ? readFiles(dir) : null;
    if (!files) {
      app.get('/', async (_request, reply) =>
        reply.code(503).type('text/plain; charset=utf-8').header('Cache-Control', 'no-store').send(NOT_BUILT),
      );
      return;
    }
    const serve = (file: DashboardFile) => async (request: FastifyRequest, reply: FastifyReply) => {
      reply
        .header('Content-Security-Policy', DASHBOARD_CSP)
        .header('X-Content-Type-Options', 'nosniff')
        .header('X-Frame-Options', 'DENY')
        .header('Referrer-Policy', 'no-referrer')
        .header('Cross-Origin-Opener-Policy', 'same-origin')
        .header('ETag', file.etag)
        .header('Cache-Control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
      return reply.type(file.type).send(file.body);
    };
    for (const [url, file] of files) {
      if (url === '/README.md' || url.startsWith('/v1/')) continue;
      app.get(url === '/index.html' ? '/' : url, serve(file));
    }
  };
