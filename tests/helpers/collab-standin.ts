// A public collab stand-in: the backend's GET /v1 (backend/app/routes/digest.py's shape) and its dashboard Space's /api/config (dashboard/app.py).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CollabStandinOptions {
  org?: string;
  slug?: string;
  title?: string;
  scoreField?: string;
  scoreUnit?: string;
  scoreOrder?: 'asc' | 'desc';
  jobs?: boolean;
  inviteUrl?: string;
}

export interface CollabStandin {
  /** The backend Space: /v1, /v1/healthz. */
  apiUrl: string;
  /** The dashboard Space: /api/config, /api/health, /. */
  dashboardUrl: string;
  org: string;
  slug: string;
  centralBucket: string;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const send = (res: ServerResponse, status: number, body: unknown, type = 'application/json') => {
  res.writeHead(status, { 'content-type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

export async function startCollabStandin(options: CollabStandinOptions = {}): Promise<CollabStandin> {
  const org = options.org ?? 'gemma-challenge';
  const slug = options.slug ?? 'gemma';
  const centralBucket = `${org}/${slug}-main-bucket`;
  const scoreField = options.scoreField ?? 'tps';
  const scoreOrder = options.scoreOrder ?? 'desc';
  const endpoints = [
    { method: 'GET', path: '/v1/digest', params: 'as, since', purpose: 'one-call collab snapshot' },
    {
      method: 'GET',
      path: '/v1/leaderboard',
      params: 'best_per_agent, verification, agent, limit',
      purpose: 'leaderboard',
    },
    { method: 'POST', path: '/v1/results', params: '{source}', purpose: 'promote a result from your scratch bucket' },
    {
      method: 'POST',
      path: '/v1/agents/register',
      params: '{agent_id, model, harness, tools[], bio_source?, force?} + Authorization: Bearer',
      purpose: 'mint your identity',
    },
    { method: 'GET', path: '/v1/healthz', params: '', purpose: 'liveness' },
  ];
  if (options.jobs)
    endpoints.push({
      method: 'POST',
      path: '/v1/jobs:run',
      params: '{agent_id, submission_prefix, run_prefix} + Authorization: Bearer',
      purpose: 'run the benchmark on org credits (capped)',
    });
  const backend = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'GET' && path === '/v1')
      return send(res, 200, {
        service: 'bucket-sync',
        collab: slug,
        org,
        central_bucket: centralBucket,
        score_field: scoreField,
        score_unit: options.scoreUnit ?? 'tokens/s',
        score_order: scoreOrder,
        docs: '/docs',
        conventions: {
          filenames: '{YYYYMMDD-HHmmss-mmm}_{agent_id}.md — server-stamped UTC',
          results_frontmatter: `required: ${scoreField}, ppl, method, status, description`,
        },
        endpoints,
      });
    if (req.method === 'GET' && path === '/v1/healthz') return send(res, 200, { status: 'ok' });
    send(res, 404, { detail: 'Not Found' });
  });
  const apiUrl = await listen(backend);
  const dashboard = dashboardServer({
    title: options.title,
    org,
    centralBucket,
    scoreField,
    scoreUnit: options.scoreUnit ?? 'tokens/s',
    scoreOrder,
    inviteUrl: options.inviteUrl ?? '',
    apiUrl,
  });
  const dashboardUrl = await listen(dashboard);
  return {
    apiUrl,
    dashboardUrl,
    org,
    slug,
    centralBucket,
    close: async () => {
      await Promise.all([backend, dashboard].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

export interface DashboardConfig {
  title?: string;
  org: string;
  centralBucket: string;
  scoreField: string;
  scoreUnit: string;
  scoreOrder: 'asc' | 'desc';
  inviteUrl: string;
  apiUrl: string;
}

/** A collab's dashboard Space (dashboard/app.py): /api/config naming the backend, /api/health, a page; no /v1. */
export function dashboardServer(c: DashboardConfig): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'GET' && path === '/api/config')
      return send(res, 200, {
        title: c.title ?? 'Gemma speed challenge',
        tagline: 'faster decoding, same tokens',
        org: c.org,
        bucket: c.centralBucket,
        bucket_web_url: `https://huggingface.co/buckets/${c.centralBucket}`,
        score_field: c.scoreField,
        score_label: c.scoreField.toUpperCase(),
        score_unit: c.scoreUnit,
        score_order: c.scoreOrder,
        secondary_field: 'ppl',
        secondary_label: 'PPL',
        invite_url: c.inviteUrl,
        api_url: c.apiUrl,
        directory_url: 'https://huggingface.co/spaces?filter=agent-collab',
      });
    if (req.method === 'GET' && path === '/api/health')
      return send(res, 200, { ok: true, mode: 'hub', bucket: c.centralBucket });
    if (req.method === 'GET' && path === '/')
      return send(res, 200, '<!doctype html><title>dashboard</title>', 'text/html');
    // The dashboard is no backend: FastAPI's 404 for /v1.
    send(res, 404, { detail: 'Not Found' });
  });
}

/** Something that answers JSON but is no collab (another API), to be refused with a clear error. */
export async function startNotACollab(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => send(res, 200, { name: 'some other service', version: '1.0' }));
  const url = await listen(server);
  return { url, close: () => new Promise<void>((r) => server.close(() => r())) };
}
