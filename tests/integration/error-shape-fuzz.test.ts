// Thousands of malformed requests from a seeded generator against a real hub: none is answered with a 5xx, and
// every refusal is the documented body {error:{code,message,hint?}} with the status its code stands for.
// A failure prints its seed: FUZZ_SEED=<seed> npx vitest run tests/integration/error-shape-fuzz.test.ts replays it.
import { beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../src/shared/errors';
import { rawExchange } from '../helpers/raw-http';
import { resultMarkdown, type TestHub } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const HTTP_CASES = 3000;
const RAW_CASES = 600;
const CONCURRENCY = 12;
const JSON_BODY_BYTES = 8192;

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  text(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_'): string {
    let s = '';
    for (let i = 0; i < length; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

interface HttpCase {
  kind: 'http';
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

interface RawCase {
  kind: 'raw';
  bytes: Buffer;
}

type Case = HttpCase | RawCase;

interface World {
  agent: string;
  organizer: string;
  message: string;
  result: string;
  /** Route templates from GET /v1 (method, path with :params and *), the event stream left out: it never ends. */
  routes: Array<{ method: string; path: string; params: string[] }>;
}

/** Path segments and query values no well-behaved client sends. */
const ODD_SEGMENTS = [
  '%E0%A4%A',
  '%',
  '%ZZ',
  '%00',
  '%2F',
  '%2e%2e',
  '..',
  '.',
  '%C0%AF',
  '%F0%9F%98%80',
  'ünï',
  '%20',
  'a%2Fb',
  '~',
  '%FF%FE',
  '%25',
  '%0d%0a',
  'CON',
  'a;b=c',
  '%u0041',
  '.hidden',
  'x'.repeat(300),
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'PROPFIND', 'FOO'];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'application/jsonx',
  'text/plain',
  'text/csv',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '',
  ';;;',
  'application/json; charset="',
];
const BODY_KEYS = [
  'body',
  'agent_id',
  'model',
  'harness',
  'content',
  'source',
  'name',
  'verdict',
  'note',
  'config',
  'kind',
  'command',
  'count',
  'refs',
  'channel',
  'reply_to',
  'dest_slug',
  'dest_path',
  'force',
  'broadcast',
  '__proto__',
  'constructor',
  '',
];

function segment(rng: Rng, w: World, param: string): string {
  const roll = rng.next();
  if (roll < 0.3) {
    const real: Record<string, string> = {
      agent_id: 'alice',
      handle: 'alice',
      filename: rng.pick([w.message, w.result]),
      name: 'tf',
      id: 'job-1',
      action: rng.pick(['pause', 'resume', 'stop', 'start']),
    };
    return real[param] ?? 'alice';
  }
  if (roll < 0.55) return rng.text(1 + rng.int(40));
  if (roll < 0.65) return 'a'.repeat(90 + rng.int(300));
  return rng.pick(ODD_SEGMENTS);
}

function query(rng: Rng, params: string[]): string {
  const n = rng.int(4);
  if (n === 0) return rng.chance(0.1) ? '?' : '';
  const keys = [...params, 'limit', 'after', 'expand', 'as', 'junk', '', '__proto__'];
  const values = () =>
    rng.pick([
      '-1',
      '0',
      '1',
      '1e309',
      '99999999999999999999',
      'abc',
      '',
      'true',
      'maybe',
      'alice',
      '%E0%A4%A',
      '%00',
      'a'.repeat(2000),
      '[]',
      'valid,pending,nonsense',
    ]);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`${rng.pick(keys)}=${values()}`);
  return `?${parts.join(rng.chance(0.1) ? ';' : '&')}`;
}

function jsonValue(rng: Rng, depth: number): unknown {
  const roll = rng.int(depth > 2 ? 6 : 9);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 1e308, -0, 2 ** 53 + 1]);
    case 3:
      return rng.text(rng.int(30), 'abc @#/\\"\n\u0000é😀');
    case 4:
      return 'y'.repeat(rng.int(3000));
    case 5:
      return rng.pick(['alice', 'human-x', '../../etc/passwd', 'hub', 'valid', 'external', 'local']);
    case 6:
      return Array.from({ length: rng.int(5) }, () => jsonValue(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(6); i > 0; i--) o[rng.pick(BODY_KEYS)] = jsonValue(rng, depth + 1);
      return o;
    }
  }
}

function body(rng: Rng): string | Buffer | undefined {
  const roll = rng.int(10);
  switch (roll) {
    case 0:
      return undefined;
    case 1:
      return '';
    case 2:
      return JSON.stringify(jsonValue(rng, 0)).slice(0, 1 + rng.int(60)); // cut short
    case 3:
      return rng.pick([
        '{"__proto__":{"polluted":1}}',
        '{"constructor":{"prototype":{"x":1}}}',
        'null',
        '[]',
        '"text"',
        '{"body":"a","body":"b"}',
        `${'['.repeat(3000)}${']'.repeat(3000)}`,
        '{"a":1}garbage',
        '\ufeff{}',
      ]);
    case 4:
      return JSON.stringify({ body: 'z'.repeat(JSON_BODY_BYTES + rng.int(20_000)) });
    case 5:
      return Buffer.from(Array.from({ length: rng.int(200) }, () => rng.int(256)));
    case 6:
      return resultMarkdown({ tps: rng.pick([1, -1, 'fast', Infinity]) }, 'fuzz');
    default:
      return JSON.stringify(jsonValue(rng, 0));
  }
}

function httpCase(rng: Rng, w: World): HttpCase {
  const route = rng.chance(0.9)
    ? rng.pick(w.routes)
    : {
        method: 'GET',
        path: rng.pick([
          '/v1/nowhere',
          '/v1/',
          '/v1//agents',
          '/README.md',
          '/v1/agents/',
          '/v1/scratch',
          '/favicon.svg/x',
          '//v1/agents',
          '/v1/agents?limit=5#frag',
        ]),
        params: [],
      };
  let path = route.path.replace(/\{([a-z_]+)\}/g, (_m, p: string) => (p === 'path' ? '*' : segment(rng, w, p)));
  if (path.includes('*')) {
    const parts = Array.from({ length: 1 + rng.int(4) }, () =>
      rng.chance(0.7) ? rng.text(1 + rng.int(12)) : rng.pick(ODD_SEGMENTS),
    );
    path = path.replace('*', parts.join(rng.chance(0.1) ? '//' : '/') + (rng.chance(0.1) ? '/' : ''));
  }
  path += query(rng, route.params);
  const method = rng.chance(0.65) ? route.method : rng.pick(METHODS);
  const headers: Record<string, string> = {};
  const auth = rng.next();
  if (auth < 0.35) headers.authorization = `Bearer ${w.agent}`;
  else if (auth < 0.45) headers.authorization = `Bearer ${w.organizer}`;
  else if (auth < 0.6)
    headers.authorization = rng.pick([
      'Bearer',
      'Bearer nope',
      'Basic YWxpY2U6eA==',
      'bearer  a b',
      'Token x',
      `Bearer ${'t'.repeat(5000)}`,
    ]);
  let payload: string | Buffer | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    payload = body(rng);
    if (payload !== undefined || rng.chance(0.3)) {
      const type = rng.pick(CONTENT_TYPES);
      if (type !== '' || rng.chance(0.5)) headers['content-type'] = type;
    }
  }
  if (rng.chance(0.05)) headers['x-pad'] = 'p'.repeat(17_000 + rng.int(10_000));
  if (rng.chance(0.1))
    headers.range = rng.pick(['bytes=5-1', 'bytes=abc', 'bytes=0-', 'bytes=-0', 'bytes=0-1,2-3', 'items=1-2']);
  if (rng.chance(0.05)) headers['last-event-id'] = rng.pick(['yesterday', '-1', '1e9']);
  if (rng.chance(0.05)) headers['content-encoding'] = rng.pick(['gzip', 'br', 'identity', 'nonsense']);
  if (rng.chance(0.05)) headers['if-none-match'] = rng.text(20);
  return { kind: 'http', method, path, headers, ...(payload !== undefined ? { body: payload } : {}) };
}

function rawCase(rng: Rng, port: string): RawCase {
  const host = `127.0.0.1:${port}`;
  const eol = rng.chance(0.85) ? '\r\n' : rng.pick(['\n', '\r', '\n\r', '']);
  const method = rng.chance(0.6)
    ? rng.pick(['GET', 'POST', 'PUT'])
    : rng.pick([
        'G@T',
        'GET GET',
        '',
        'get',
        'PO\u0000ST',
        'HTTP/1.1',
        '\u00ff\u00fe',
        rng.text(1 + rng.int(10), 'ABC@[]{}()<>,;:\\"/?= '),
      ]);
  // Routes answered from memory and SQLite alone: the raw client half-closes after writing, and Node abandons a
  // request whose answer waits on file I/O when its client half-closes (the fetch cases cover those routes).
  const target = rng.chance(0.5)
    ? rng.pick(['/v1/healthz', '/v1/messages', '/v1/agents/alice', '/v1/inbox/alice'])
    : rng.pick([
        '',
        '*',
        'v1/healthz',
        '/v1/hea lthz',
        '/v1/\u0001',
        '/v1/\u00e9',
        `/${'u'.repeat(20_000)}`,
        'http://[::1',
        '/%',
        '\t/',
      ]);
  const version = rng.chance(0.6)
    ? 'HTTP/1.1'
    : rng.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'HTTP/1.1x', '', 'HTTP/1', 'http/1.1', 'HTTP/1.1 extra']);
  const headers: string[] = [];
  if (rng.chance(0.8)) headers.push(`Host: ${host}`);
  const extra = rng.int(4);
  for (let i = 0; i < extra; i++) {
    headers.push(
      rng.pick([
        'Bad Header: x',
        ': empty-name',
        'X-Nul: a\u0000b',
        ' folded: continuation',
        'Content-Length: abc',
        'Content-Length: -1',
        'Content-Length: 5\r\nContent-Length: 6',
        'Transfer-Encoding: chunked',
        'Transfer-Encoding: gzip',
        'Transfer-Encoding: chunked, chunked',
        'Content-Length: 99999999999999999999',
        `Content-Length: ${rng.int(50)}`,
        'Content-Type: application/json',
        `X-Big: ${'b'.repeat(17_000)}`,
        'Expect: 100-continue',
        'Expect: nonsense',
        // No Upgrade: Node serves an upgrade request as a plain one, but drops one whose body is cut short (this
        // client half-closes) without a parser error the hub could answer.
        `Authorization: Bearer ${rng.text(30)}`,
        'X-\u00e9: non-ascii-name',
      ]),
    );
  }
  const payload = rng.pick([
    '',
    '{}',
    '{"body":"hi"}',
    'zz\r\n{}\r\n0\r\n\r\n',
    '5\r\nhello\r\n0\r\n\r\n',
    '\u0000\u0001\u0002',
    'GARBAGE\r\n\r\n',
    'GET /v1/healthz HTTP/1.1\r\nHost: x\r\n\r\n',
  ]);
  let text = `${method} ${target} ${version}${eol}${headers.join(eol)}${headers.length ? eol : ''}${eol}${payload}`;
  if (rng.chance(0.1))
    text = Buffer.from(Array.from({ length: 1 + rng.int(300) }, () => rng.int(256))).toString('latin1');
  return { kind: 'raw', bytes: Buffer.from(text, 'latin1') };
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** Why an answer breaks the contract, or null when it keeps it. */
function breach(answer: Answer, method: string): string | null {
  if (answer.status >= 500) return `answered ${answer.status}`;
  if (answer.status < 400 || method === 'HEAD') return null;
  if (!answer.contentType.includes('application/json'))
    return `${answer.status} with Content-Type "${answer.contentType}"`;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `${answer.status} with a body that is not JSON`;
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (
    typeof body !== 'object' ||
    body === null ||
    Object.keys(body).join() !== 'error' ||
    typeof error !== 'object' ||
    error === null
  )
    return `${answer.status} with a body that is not {error:{...}}`;
  const { code, message, hint, ...rest } = error;
  if (typeof code !== 'string' || !Object.hasOwn(ERROR_STATUS, code))
    return `unknown error code ${JSON.stringify(code)}`;
  if (ERROR_STATUS[code as keyof typeof ERROR_STATUS] !== answer.status)
    return `${code} sent with ${answer.status}, documented as ${ERROR_STATUS[code as keyof typeof ERROR_STATUS]}`;
  if (typeof message !== 'string' || message.trim() === '') return `${code} without a message`;
  if (hint !== undefined && (typeof hint !== 'string' || hint.trim() === ''))
    return `${code} with an empty or non-text hint`;
  if (Object.keys(rest).length > 0) return `${code} with extra fields ${Object.keys(rest).join(', ')}`;
  return null;
}

function describeCase(c: Case): string {
  if (c.kind === 'raw') return `raw ${JSON.stringify(c.bytes.toString('latin1').slice(0, 160))}`;
  const headers = Object.entries(c.headers)
    .map(([k, v]) => `${k}: ${v.slice(0, 40)}`)
    .join('; ');
  const b = c.body === undefined ? '' : ` body(${c.body.length}) ${JSON.stringify(c.body.toString().slice(0, 60))}`;
  return `${c.method} ${c.path.slice(0, 160)} [${headers}]${b}`;
}

async function send(hub: TestHub, c: Case): Promise<string[]> {
  if (c.kind === 'raw') {
    const { responses, trailing } = await rawExchange(hub.url, c.bytes, 10_000);
    const problems: string[] = [];
    // Only line breaks: HTTP/1.1 skips empty lines before a request line (RFC 9112 section 2.2), so no request was
    // made and closing without an answer is right (random bytes can be one CR).
    if (/^[\r\n]*$/.test(c.bytes.toString('latin1'))) {
      if (responses.length > 0 || trailing !== '') problems.push(`an answer to no request: ${responses[0]?.status}`);
      return problems;
    }
    if (responses.length === 0) problems.push(`no answer (the server wrote ${JSON.stringify(trailing.slice(0, 120))})`);
    else if (trailing !== '')
      problems.push(`a cut or malformed answer after ${responses.length}: ${JSON.stringify(trailing.slice(0, 120))}`);
    for (const r of responses) {
      const why = breach({ status: r.status, contentType: r.headers['content-type'] ?? '', text: r.body }, 'raw');
      if (why) problems.push(`${why}: ${r.body.slice(0, 200)}`);
    }
    return problems;
  }
  const res = await fetch(hub.url + c.path, {
    method: c.method,
    headers: c.headers,
    ...(c.body !== undefined ? { body: c.body } : {}),
  });
  const text = await res.text();
  const why = breach({ status: res.status, contentType: res.headers.get('content-type') ?? '', text }, c.method);
  return why ? [`${why}: ${text.slice(0, 200)}`] : [];
}

describe(`malformed requests never get a 5xx, and every refusal is the one error body (FUZZ_SEED=${SEED})`, () => {
  const hub = withHub({ limits: { json_body_bytes: JSON_BODY_BYTES } as never });
  const world = {} as World;

  beforeAll(async () => {
    world.agent = await hub.register('alice');
    world.organizer = hub.organizerToken;
    world.message = (
      await hub.call('POST', '/v1/messages', { token: world.agent, body: { body: 'a message to aim at' } })
    ).body.filename;
    world.result = (
      await hub.call('POST', '/v1/results', { token: world.agent, body: { content: resultMarkdown() } })
    ).body.filename;
    const listed = (
      await hub.call<{ endpoints: Array<{ method: string; path: string; query: string[] }> }>('GET', '/v1')
    ).body.endpoints;
    world.routes = listed.filter((r) => r.path !== '/v1/events').map((r) => ({ ...r, params: r.query }));
    expect(world.routes.length).toBeGreaterThan(20);
  });

  it(`${HTTP_CASES} odd HTTP requests and ${RAW_CASES} malformed raw ones`, async () => {
    const rng = new Rng(SEED);
    const port = new URL(hub.url).port;
    // Every case is drawn before any is sent, so the same seed gives the same cases whatever the timing.
    const cases: Case[] = [];
    for (let i = 0; i < HTTP_CASES + RAW_CASES; i++)
      cases.push(rng.chance(RAW_CASES / (HTTP_CASES + RAW_CASES)) ? rawCase(rng, port) : httpCase(rng, world));

    const failures: string[] = [];
    let nextIndex = 0;
    const worker = async () => {
      while (nextIndex < cases.length) {
        const i = nextIndex++;
        const c = cases[i]!;
        try {
          for (const problem of await send(hub, c)) failures.push(`#${i} ${describeCase(c)}\n    -> ${problem}`);
        } catch (err) {
          failures.push(
            `#${i} ${describeCase(c)}\n    -> no answer: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect(
      failures.length,
      `FUZZ_SEED=${SEED}: ${failures.length} of ${cases.length} answers broke the contract; the first ones:\n${failures.slice(0, 15).join('\n')}`,
    ).toBe(0);
    // And the hub is still well.
    expect((await hub.call('GET', '/v1/healthz')).status).toBe(200);
  }, 60_000);
});
