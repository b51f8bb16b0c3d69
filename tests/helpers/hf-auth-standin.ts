// A Hugging Face Hub stand-in for signing in: the OAuth device authorization grant (RFC 8628 §3.1-3.5), whoami-v2, and tokenless bucket resolve.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandinUser {
  name: string;
  fullname?: string;
  orgs?: string[];
}

/** One device authorization: what the person does in the browser is what the test does through the controls. */
interface Grant {
  deviceCode: string;
  userCode: string;
  user: StandinUser | null;
  state: 'pending' | 'approved' | 'denied' | 'expired' | 'redeemed';
  slowDownNext: boolean;
  token: string | null;
}

export interface AuthRequest {
  method: string;
  /** The path with its query string, as it came. */
  url: string;
  authorization: boolean;
  body: string;
}

export interface HfAuthStandin {
  url: string;
  /** The client id the device endpoints accept (huggingface_hub's, unless given). */
  clientId: string;
  requests: AuthRequest[];
  /** Emits `device` (user code) on each new device code and `poll` (user code, answer) on each token poll. */
  events: EventEmitter;
  /** A token the Hub knows, as if made at /settings/tokens (role write). */
  addToken(token: string, user: StandinUser): void;
  revoke(token: string): void;
  approve(userCode: string, user: StandinUser): void;
  deny(userCode: string): void;
  expire(userCode: string): void;
  /** The next poll of this code answers slow_down (as the Hub does to a client polling faster than `interval`). */
  slowDown(userCode: string): void;
  /** Public files of buckets, served at /buckets/{id}/resolve/{path}. */
  bucketFiles: Map<string, Map<string, string>>;
  close(): Promise<void>;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export async function startHfAuthStandin(
  options: { clientId?: string; interval?: number; expiresIn?: number } = {},
): Promise<HfAuthStandin> {
  const clientId = options.clientId ?? '26be6b09-91c5-47da-9861-d2d2bb7a7e36';
  const tokens = new Map<string, { user: StandinUser; kind: 'access_token' | 'oauth' }>();
  const grants = new Map<string, Grant>();
  const byUserCode = (code: string) => [...grants.values()].find((g) => g.userCode === code);
  const requests: AuthRequest[] = [];
  const events = new EventEmitter();
  const bucketFiles = new Map<string, Map<string, string>>();
  let base = '';

  const whoami = (res: ServerResponse, req: IncomingMessage) => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const known = m ? tokens.get(m[1]!) : undefined;
    if (!known) return json(res, 401, { error: 'Invalid credentials in Authorization header' });
    const { user, kind } = known;
    // The shape of GET /api/whoami-v2 (what @huggingface/hub's WhoAmIUser types).
    json(res, 200, {
      type: 'user',
      id: `id-${user.name}`,
      name: user.name,
      fullname: user.fullname ?? user.name,
      email: `${user.name}@example.org`,
      emailVerified: true,
      isPro: false,
      canPay: false,
      avatarUrl: '',
      periodEnd: null,
      billingMode: 'postpaid',
      orgs: (user.orgs ?? []).map((o) => ({
        type: 'org',
        id: `id-${o}`,
        name: o,
        fullname: o,
        email: null,
        canPay: false,
        avatarUrl: '',
        periodEnd: null,
      })),
      auth:
        kind === 'oauth'
          ? { type: 'oauth', expiresAt: new Date(Date.now() + 30 * 86400_000).toISOString() }
          : {
              type: 'access_token',
              accessToken: { displayName: 'collab', role: 'write', createdAt: new Date().toISOString() },
            },
    });
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: !!req.headers.authorization, body });
      const url = new URL(req.url ?? '/', 'http://standin');
      const formOf = () =>
        (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
          ? new URLSearchParams(body)
          : new URLSearchParams();
      if (req.method === 'GET' && url.pathname === '/api/whoami-v2') return whoami(res, req);
      if (req.method === 'POST' && url.pathname === '/oauth/device') {
        const form = formOf();
        if (form.get('client_id') !== clientId) return json(res, 401, { error: 'invalid_client' });
        const grant: Grant = {
          deviceCode: randomBytes(24).toString('base64url'),
          userCode: `${randomBytes(2).toString('hex')}-${randomBytes(2).toString('hex')}`.toUpperCase(),
          user: null,
          state: 'pending',
          slowDownNext: false,
          token: null,
        };
        grants.set(grant.deviceCode, grant);
        json(res, 200, {
          device_code: grant.deviceCode,
          user_code: grant.userCode,
          verification_uri: `${base}/oauth/device`,
          verification_uri_complete: `${base}/oauth/device?user_code=${grant.userCode}`,
          expires_in: options.expiresIn ?? 300,
          interval: options.interval ?? 5,
        });
        events.emit('device', grant.userCode);
        return;
      }
      if (req.method === 'POST' && url.pathname === '/oauth/token') {
        const form = formOf();
        if (form.get('grant_type') !== DEVICE_GRANT) return json(res, 400, { error: 'unsupported_grant_type' });
        if (form.get('client_id') !== clientId) return json(res, 401, { error: 'invalid_client' });
        const grant = grants.get(form.get('device_code') ?? '');
        if (!grant || grant.state === 'redeemed') return json(res, 400, { error: 'invalid_grant' });
        let answer: string;
        if (grant.slowDownNext) {
          grant.slowDownNext = false;
          answer = 'slow_down';
        } else if (grant.state === 'approved') answer = 'token';
        else if (grant.state === 'denied') answer = 'access_denied';
        else if (grant.state === 'expired') answer = 'expired_token';
        else answer = 'authorization_pending';
        if (answer === 'token') {
          grant.state = 'redeemed';
          grant.token = `hf_oauth_${randomBytes(16).toString('hex')}`;
          tokens.set(grant.token, { user: grant.user!, kind: 'oauth' });
          json(res, 200, {
            access_token: grant.token,
            token_type: 'bearer',
            expires_in: 30 * 86400,
            refresh_token: `hf_oauth_refresh_${randomBytes(8).toString('hex')}`,
          });
        } else json(res, 400, { error: answer });
        events.emit('poll', grant.userCode, answer);
        return;
      }
      const resolve = /^\/buckets\/([^/]+\/[^/]+)\/resolve\/(.+)$/.exec(url.pathname);
      if (req.method === 'GET' && resolve) {
        const text = bucketFiles.get(resolve[1]!)?.get(decodeURIComponent(resolve[2]!));
        if (text === undefined) return json(res, 404, { error: 'Entry not found' });
        res.writeHead(200, { 'content-type': 'text/markdown; charset=utf-8' });
        res.end(text);
        return;
      }
      json(res, 404, { error: 'Not Found' });
    })().catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const grantFor = (userCode: string) => {
    const g = byUserCode(userCode);
    if (!g) throw new Error(`no device code with user code ${userCode}`);
    return g;
  };
  return {
    url: base,
    clientId,
    requests,
    events,
    bucketFiles,
    addToken: (token, user) => void tokens.set(token, { user, kind: 'access_token' }),
    revoke: (token) => void tokens.delete(token),
    approve: (userCode, user) => void Object.assign(grantFor(userCode), { state: 'approved', user }),
    deny: (userCode) => void (grantFor(userCode).state = 'denied'),
    expire: (userCode) => void (grantFor(userCode).state = 'expired'),
    slowDown: (userCode) => void (grantFor(userCode).slowDownNext = true),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
