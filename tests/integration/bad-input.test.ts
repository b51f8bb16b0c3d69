// Every malformed request gets a 4xx with the uniform error body {error:{code,message,hint}}, never a 500, writes
// nothing, and leaves the hub healthy. One real hub takes the whole table; the last checks compare its state.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resultMarkdown, type CallOptions, type CallResult } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';

const JSON_BODY_BYTES = 8192;
const MESSAGE_BODY_BYTES = 2048;

interface World {
  alice: string;
  bob: string;
  organizer: string;
  /** A result by bob, for verdict attempts. */
  result: string;
}

interface Case {
  name: string;
  method: string;
  path: string | ((w: World) => string);
  options?: (w: World) => CallOptions;
  status: number;
  code: string;
  /** Text the message must contain, e.g. the field at fault. */
  names?: string;
}

const hub = withHub({ limits: { json_body_bytes: JSON_BODY_BYTES, message_body_bytes: MESSAGE_BODY_BYTES } as never });
const world = {} as World;
let before: Snapshot;

interface Snapshot {
  messages: number;
  results: number;
  agents: number;
  taskforces: number;
  central: string[];
  scratchFolders: string[];
  verification: string;
  aliceStatus: string;
}

function filesUnder(dir: string): string[] {
  return existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).map(String).sort() : [];
}

async function snapshot(): Promise<Snapshot> {
  return {
    messages: (await hub.call('GET', '/v1/messages')).body.count,
    results: (await hub.call('GET', '/v1/results')).body.count,
    agents: (await hub.call('GET', '/v1/agents')).body.count,
    taskforces: (await hub.call('GET', '/v1/taskforces')).body.count,
    central: filesUnder(join(hub.dataDir, 'central')),
    scratchFolders: filesUnder(join(hub.dataDir, 'scratch')),
    verification: (await hub.call('GET', `/v1/results/${world.result}`)).body.verification,
    aliceStatus: (await hub.call('GET', '/v1/agents/alice')).body.status,
  };
}

function expectError(res: CallResult, status: number, code: string, names?: string): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/json');
  expect(res.body).toEqual({ error: { code, message: expect.any(String), hint: expect.any(String) } });
  expect(res.body.error.message.trim()).not.toBe('');
  expect(res.body.error.hint.trim()).not.toBe('');
  if (names !== undefined) expect(res.body.error.message).toContain(names);
}

async function run(c: Case): Promise<CallResult> {
  const path = typeof c.path === 'function' ? c.path(world) : c.path;
  return hub.call(c.method, path, c.options?.(world));
}

const json =
  (raw: string, token?: (w: World) => string) =>
  (w: World): CallOptions => ({ raw, token: token?.(w), headers: { 'content-type': 'application/json' } });
const asAlice =
  (body: unknown) =>
  (w: World): CallOptions => ({ token: w.alice, body });
const asOrganizer =
  (body: unknown) =>
  (w: World): CallOptions => ({ token: w.organizer, body });
const register = (body: Record<string, unknown>) => (): CallOptions => ({
  body: { model: 'm', harness: 'h', ...body },
});
const publish = (content: string) => asAlice({ content });

beforeAll(async () => {
  world.organizer = hub.organizerToken;
  world.alice = await hub.register('alice');
  world.bob = await hub.register('bob');
  const published = await hub.call('POST', '/v1/results', { token: world.bob, body: { content: resultMarkdown() } });
  expect(published.status).toBe(201);
  world.result = published.body.filename;
  expect((await hub.call('POST', '/v1/messages', { token: world.alice, body: { body: 'first message' } })).status).toBe(
    201,
  );
  expect(
    (await hub.call('POST', '/v1/taskforces', { token: world.alice, body: { name: 'tf', body: 'the tf readme' } }))
      .status,
  ).toBe(201);
  expect((await hub.call('PUT', '/v1/scratch/alice/notes/ok.md', { token: world.alice, raw: 'a note' })).status).toBe(
    201,
  );
  expect((await hub.call('PUT', '/v1/scratch/bob/mine.md', { token: world.bob, raw: 'bob file' })).status).toBe(201);
  before = await snapshot();
  expect(before).toMatchObject({
    messages: 1,
    results: 1,
    agents: 2,
    taskforces: 1,
    verification: 'pending',
    aliceStatus: 'active',
  });
});

describe('malformed bodies', () => {
  const cases: Case[] = [
    {
      name: 'JSON that does not parse ({bad)',
      method: 'POST',
      path: '/v1/messages',
      options: json('{bad', (w) => w.alice),
      status: 400,
      code: 'INVALID_JSON',
    },
    {
      name: 'JSON that does not parse, on register',
      method: 'POST',
      path: '/v1/agents/register',
      options: json('{"agent_id": "carol",'),
      status: 400,
      code: 'INVALID_JSON',
    },
    {
      name: 'JSON that does not parse, on results',
      method: 'POST',
      path: '/v1/results',
      options: json('{bad', (w) => w.alice),
      status: 400,
      code: 'INVALID_JSON',
    },
    {
      name: 'an empty JSON body',
      method: 'POST',
      path: '/v1/messages',
      options: json('', (w) => w.alice),
      status: 400,
      code: 'INVALID_JSON',
    },
    {
      name: 'a JSON array instead of an object',
      method: 'POST',
      path: '/v1/messages',
      options: json('[{"body": "hi"}]', (w) => w.alice),
      status: 400,
      code: 'INVALID_BODY',
    },
    {
      name: 'a JSON string instead of an object',
      method: 'POST',
      path: '/v1/messages',
      options: json('"hi"', (w) => w.alice),
      status: 400,
      code: 'INVALID_BODY',
    },
    {
      name: 'JSON null instead of an object',
      method: 'POST',
      path: '/v1/messages',
      options: json('null', (w) => w.alice),
      status: 400,
      code: 'INVALID_BODY',
    },
    {
      name: 'a JSON array to register',
      method: 'POST',
      path: '/v1/agents/register',
      options: json('["carol"]'),
      status: 400,
      code: 'INVALID_BODY',
    },
    {
      name: 'agent_id: 5 (a number) to register',
      method: 'POST',
      path: '/v1/agents/register',
      options: register({ agent_id: 5 }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'agent_id',
    },
    {
      name: 'tools: a string instead of a list',
      method: 'POST',
      path: '/v1/agents/register',
      options: register({ agent_id: 'carol', tools: 'bench' }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'tools',
    },
    {
      name: 'body: 7 (a number) in a message',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ body: 7 }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'body',
    },
    {
      name: 'refs: 3 (a number) in a message',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ body: 'see this', refs: 3 }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'refs',
    },
    {
      name: 'broadcast: "yes" (a string) in a message',
      method: 'POST',
      path: '/v1/messages',
      options: asOrganizer({ body: 'all hands', broadcast: 'yes' }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'broadcast',
    },
    {
      name: 'a message type with a newline',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ body: 'hi', type: 'a\nb' }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'type',
    },
    {
      name: 'content: 42 (a number) in a result',
      method: 'POST',
      path: '/v1/results',
      options: asAlice({ content: 42 }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'content',
    },
    {
      name: 'an unknown field (name) in a message',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ body: 'hi', name: 'alice' }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'name',
    },
    {
      name: 'an unknown field (email) on register',
      method: 'POST',
      path: '/v1/agents/register',
      options: register({ agent_id: 'carol', email: 'c@x' }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'email',
    },
    {
      name: 'an unknown field in an artifact sync',
      method: 'POST',
      path: '/v1/artifacts:sync',
      options: asAlice({ source: 'notes', dest_slug: 'n', overwrite: true }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'overwrite',
    },
    {
      name: 'a missing required field (model) on register',
      method: 'POST',
      path: '/v1/agents/register',
      options: () => ({ body: { agent_id: 'carol', harness: 'h' } }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'model',
    },
    {
      name: 'a JSON body over limits.json_body_bytes',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ body: 'x'.repeat(JSON_BODY_BYTES + 100) }),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    {
      name: 'a register body over limits.json_body_bytes',
      method: 'POST',
      path: '/v1/agents/register',
      options: register({ agent_id: 'carol', bio: 'y'.repeat(JSON_BODY_BYTES) }),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    {
      name: 'a message over limits.message_body_bytes',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ body: 'z'.repeat(MESSAGE_BODY_BYTES + 1) }),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    {
      name: 'a result over limits.message_body_bytes',
      method: 'POST',
      path: '/v1/results',
      options: publish(resultMarkdown({}, 'w'.repeat(MESSAGE_BODY_BYTES))),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    {
      name: 'text/plain to POST /v1/messages',
      method: 'POST',
      path: '/v1/messages',
      options: (w) => ({ token: w.alice, raw: 'hello board', headers: { 'content-type': 'text/plain' } }),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'application/xml to POST /v1/messages',
      method: 'POST',
      path: '/v1/messages',
      options: (w) => ({ token: w.alice, raw: '<body>hi</body>', headers: { 'content-type': 'application/xml' } }),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'a form post to POST /v1/results',
      method: 'POST',
      path: '/v1/results',
      options: (w) => ({
        token: w.alice,
        raw: 'content=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
  ];
  it.each(cases)('$name -> $status $code', async (c) => {
    expectError(await run(c), c.status, c.code, c.names);
  });
});

describe('paths that leave the folder or name hidden files', () => {
  // fetch normalizes "/../" in a URL, so the attacks are percent-encoded as a raw client would send them.
  const bad = [
    '..%2Fbob%2Fmine.md',
    '%2e%2e%2Fbob%2Fmine.md',
    'notes%2F..%2F..%2Fbob%2Fmine.md',
    '%2Fetc%2Fpasswd',
    '.env',
    'notes/.secret',
    'bad%01name.md',
    'back%5Cslash.md',
    'double//slash.md',
  ];
  const cases: Case[] = [
    ...bad.map((p): Case => ({
      name: `PUT /v1/scratch/alice/${p}`,
      method: 'PUT',
      path: `/v1/scratch/alice/${p}`,
      options: (w) => ({ token: w.alice, raw: 'x' }),
      status: 400,
      code: 'INVALID_PATH',
    })),
    ...bad.map((p): Case => ({
      name: `GET /v1/scratch/alice/${p}`,
      method: 'GET',
      path: `/v1/scratch/alice/${p}`,
      status: 400,
      code: 'INVALID_PATH',
    })),
    ...bad.map((p): Case => ({
      name: `DELETE /v1/scratch/bob/${p}`,
      method: 'DELETE',
      path: `/v1/scratch/bob/${p}`,
      options: (w) => ({ token: w.bob }),
      status: 400,
      code: 'INVALID_PATH',
    })),
    {
      name: 'GET /v1/central/../hub.db',
      method: 'GET',
      path: '/v1/central/..%2Fhub.db',
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'GET /v1/central/../organizer-token',
      method: 'GET',
      path: '/v1/central/%2e%2e%2Forganizer-token',
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'GET /v1/scratch/alice/../../organizer-token',
      method: 'GET',
      path: '/v1/scratch/alice/..%2F..%2Forganizer-token',
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'message source "../bob/mine.md"',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ source: '../bob/mine.md' }),
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'message source "/etc/passwd"',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ source: '/etc/passwd' }),
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'message source ".env"',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ source: '.env' }),
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'message source with a backslash',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ source: 'notes\\ok.md' }),
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'message source with a control character',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ source: 'notes/\u0001ok.md' }),
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'result source "../bob/mine.md"',
      method: 'POST',
      path: '/v1/results',
      options: asAlice({ source: '../bob/mine.md' }),
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'taskforce README source "../bob/mine.md"',
      method: 'POST',
      path: '/v1/taskforces',
      options: asAlice({ name: 'tf2', source: '../bob/mine.md' }),
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'artifact sync source "../bob"',
      method: 'POST',
      path: '/v1/artifacts:sync',
      options: asAlice({ source: '../bob', dest_slug: 'stolen' }),
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'artifact sync source "/etc"',
      method: 'POST',
      path: '/v1/artifacts:sync',
      options: asAlice({ source: '/etc', dest_slug: 'etc' }),
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'artifact sync dest_slug "../x"',
      method: 'POST',
      path: '/v1/artifacts:sync',
      options: asAlice({ source: 'notes', dest_slug: '../x' }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'dest_slug',
    },
    {
      name: 'shared resource source "../bob"',
      method: 'POST',
      path: '/v1/shared-resources:sync',
      options: asAlice({ source: '../bob', dest_path: 'x_alice' }),
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'shared resource dest_path "../x_alice"',
      method: 'POST',
      path: '/v1/shared-resources:sync',
      options: asAlice({ source: 'notes', dest_path: '../x_alice' }),
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'shared resource dest_path "/tmp/x_alice"',
      method: 'POST',
      path: '/v1/shared-resources:sync',
      options: asAlice({ source: 'notes', dest_path: '/tmp/x_alice' }),
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'shared resource dest_path ".x_alice"',
      method: 'POST',
      path: '/v1/shared-resources:sync',
      options: asAlice({ source: 'notes', dest_path: '.x_alice' }),
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'shared resource dest_path with a backslash',
      method: 'POST',
      path: '/v1/shared-resources:sync',
      options: asAlice({ source: 'notes', dest_path: 'a\\x_alice' }),
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'shared resource dest_path without _alice',
      method: 'POST',
      path: '/v1/shared-resources:sync',
      options: asAlice({ source: 'notes', dest_path: 'shared' }),
      status: 400,
      code: 'INVALID_PATH',
      names: '_alice',
    },
    {
      name: 'taskforce file dest_path "../../x_alice.md"',
      method: 'POST',
      path: '/v1/taskforces/tf/files',
      options: asAlice({ source: 'notes/ok.md', dest_path: '../../x_alice.md' }),
      status: 400,
      code: 'INVALID_PATH',
    },
  ];
  it.each(cases)('$name -> $status $code', async (c) => {
    expectError(await run(c), c.status, c.code, c.names);
  });
});

describe('who is asking', () => {
  const unknown: Case[] = [
    {
      name: 'GET /v1/agents/nobody',
      method: 'GET',
      path: '/v1/agents/nobody',
      status: 404,
      code: 'NOT_REGISTERED',
      names: 'nobody',
    },
    {
      name: 'GET /v1/inbox/nobody',
      method: 'GET',
      path: '/v1/inbox/nobody',
      status: 404,
      code: 'NOT_REGISTERED',
      names: 'nobody',
    },
    {
      name: 'GET /v1/digest?as=nobody',
      method: 'GET',
      path: '/v1/digest?as=nobody',
      status: 404,
      code: 'NOT_REGISTERED',
      names: 'nobody',
    },
    {
      name: 'GET /v1/scratch/nobody',
      method: 'GET',
      path: '/v1/scratch/nobody',
      status: 404,
      code: 'NOT_REGISTERED',
      names: 'nobody',
    },
    {
      name: 'GET /v1/scratch/nobody/x.md',
      method: 'GET',
      path: '/v1/scratch/nobody/x.md',
      status: 404,
      code: 'NOT_REGISTERED',
      names: 'nobody',
    },
    {
      name: 'PUT /v1/scratch/nobody/x.md as alice',
      method: 'PUT',
      path: '/v1/scratch/nobody/x.md',
      options: (w) => ({ token: w.alice, raw: 'x' }),
      status: 403,
      code: 'NOT_YOUR_SCRATCH',
    },
    {
      name: 'PUT /v1/scratch/nobody/x.md as the organizer',
      method: 'PUT',
      path: '/v1/scratch/nobody/x.md',
      options: (w) => ({ token: w.organizer, raw: 'x' }),
      status: 403,
      code: 'NOT_YOUR_SCRATCH',
    },
    {
      name: 'suspending an agent nobody registered',
      method: 'POST',
      path: '/v1/agents/nobody/suspend',
      options: (w) => ({ token: w.organizer }),
      status: 404,
      code: 'NOT_REGISTERED',
    },
    {
      name: "PUT into bob's scratch as alice",
      method: 'PUT',
      path: '/v1/scratch/bob/mine.md',
      options: (w) => ({ token: w.alice, raw: 'overwritten' }),
      status: 403,
      code: 'NOT_YOUR_SCRATCH',
    },
    {
      name: "DELETE from bob's scratch as alice",
      method: 'DELETE',
      path: '/v1/scratch/bob/mine.md',
      options: (w) => ({ token: w.alice }),
      status: 403,
      code: 'NOT_YOUR_SCRATCH',
    },
    {
      name: "a message claiming agent_id bob with alice's token",
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ body: 'I am bob', agent_id: 'bob' }),
      status: 403,
      code: 'IDENTITY_MISMATCH',
      names: 'bob',
    },
    {
      name: "a result claiming agent_id bob with alice's token",
      method: 'POST',
      path: '/v1/results',
      options: asAlice({ content: resultMarkdown({ tps: 1e6 }), agent_id: 'bob' }),
      status: 403,
      code: 'IDENTITY_MISMATCH',
      names: 'bob',
    },
    {
      name: "a taskforce claiming agent_id bob with alice's token",
      method: 'POST',
      path: '/v1/taskforces',
      options: asAlice({ name: 'tf3', body: 'readme', agent_id: 'bob' }),
      status: 403,
      code: 'IDENTITY_MISMATCH',
    },
    {
      name: 'the organizer posting as agent alice',
      method: 'POST',
      path: '/v1/messages',
      options: asOrganizer({ body: 'I am alice', agent_id: 'alice' }),
      status: 403,
      code: 'IDENTITY_MISMATCH',
    },
    {
      name: 'a broadcast by an agent',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ body: 'everyone listen', broadcast: true }),
      status: 403,
      code: 'NOT_ORGANIZER',
    },
    {
      name: 'a verdict by an agent',
      method: 'POST',
      path: (w) => `/v1/results/${w.result}/verdict`,
      options: asAlice({ verdict: 'invalid' }),
      status: 403,
      code: 'NOT_ORGANIZER',
    },
    {
      name: 'a suspension by an agent',
      method: 'POST',
      path: '/v1/agents/bob/suspend',
      options: (w) => ({ token: w.alice }),
      status: 403,
      code: 'NOT_ORGANIZER',
    },
    {
      name: 'the audit log read by an agent',
      method: 'GET',
      path: '/v1/audit',
      options: (w) => ({ token: w.alice }),
      status: 403,
      code: 'NOT_ORGANIZER',
    },
    {
      name: 'a verdict outside pending/valid/invalid',
      method: 'POST',
      path: (w) => `/v1/results/${w.result}/verdict`,
      options: asOrganizer({ verdict: 'great' }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'verdict',
    },
    {
      name: 'a verdict on a result that does not exist',
      method: 'POST',
      path: '/v1/results/20200101-000000-000_nobody.md/verdict',
      options: asOrganizer({ verdict: 'valid' }),
      status: 404,
      code: 'NOT_FOUND',
    },
  ];
  it.each(unknown)('$name -> $status $code', async (c) => {
    expectError(await run(c), c.status, c.code, c.names);
  });

  // Every route that writes, with a body it would accept: only the credentials are wrong.
  const writeRoutes: Array<{
    route: string;
    method: string;
    path: string | ((w: World) => string);
    body?: unknown;
    raw?: string;
  }> = [
    { route: 'POST /v1/messages', method: 'POST', path: '/v1/messages', body: { body: 'hello' } },
    { route: 'POST /v1/results', method: 'POST', path: '/v1/results', body: { content: resultMarkdown({ tps: 555 }) } },
    {
      route: 'POST /v1/results/:f/verdict',
      method: 'POST',
      path: (w) => `/v1/results/${w.result}/verdict`,
      body: { verdict: 'invalid' },
    },
    { route: 'POST /v1/taskforces', method: 'POST', path: '/v1/taskforces', body: { name: 'tf4', body: 'readme' } },
    {
      route: 'POST /v1/taskforces/:name/files',
      method: 'POST',
      path: '/v1/taskforces/tf/files',
      body: { body: 'a note' },
    },
    { route: 'PUT /v1/scratch/alice/*', method: 'PUT', path: '/v1/scratch/alice/planted.md', raw: 'planted' },
    { route: 'DELETE /v1/scratch/alice/*', method: 'DELETE', path: '/v1/scratch/alice/notes/ok.md' },
    {
      route: 'POST /v1/artifacts:sync',
      method: 'POST',
      path: '/v1/artifacts:sync',
      body: { source: 'notes', dest_slug: 'notes' },
    },
    {
      route: 'POST /v1/shared-resources:sync',
      method: 'POST',
      path: '/v1/shared-resources:sync',
      body: { source: 'notes', dest_path: 'notes_alice' },
    },
    { route: 'POST /v1/agents/:id/suspend', method: 'POST', path: '/v1/agents/alice/suspend' },
    { route: 'POST /v1/agents/:id/reinstate', method: 'POST', path: '/v1/agents/alice/reinstate' },
  ];
  const credentials: Array<{ label: string; headers: Record<string, string> }> = [
    { label: 'no token', headers: {} },
    { label: 'a forged token', headers: { authorization: 'Bearer cda_forged0000000000000000000000000000000000' } },
    { label: 'Authorization: Basic xyz', headers: { authorization: 'Basic xyz' } },
    { label: 'an empty Bearer', headers: { authorization: 'Bearer ' } },
  ];
  const authCases: Case[] = writeRoutes.flatMap((r) =>
    credentials.map((cred): Case => ({
      name: `${r.route} with ${cred.label}`,
      method: r.method,
      path: r.path,
      options: () => ({ body: r.body, raw: r.raw, headers: cred.headers }),
      status: 401,
      code: 'UNAUTHORIZED',
    })),
  );
  it.each(authCases)('$name -> $status $code', async (c) => {
    expectError(await run(c), c.status, c.code);
  });
});

describe('registration', () => {
  const cases: Case[] = [
    {
      name: 'the reserved id human-x',
      method: 'POST',
      path: '/v1/agents/register',
      options: register({ agent_id: 'human-x' }),
      status: 400,
      code: 'INVALID_PATH',
      names: 'human-x',
    },
    {
      name: 'the reserved id human',
      method: 'POST',
      path: '/v1/agents/register',
      options: register({ agent_id: 'human' }),
      status: 400,
      code: 'INVALID_PATH',
    },
    {
      name: 'an id with capitals and _ (Bad_ID)',
      method: 'POST',
      path: '/v1/agents/register',
      options: register({ agent_id: 'Bad_ID' }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'agent_id',
    },
    {
      name: 'an id starting with "-"',
      method: 'POST',
      path: '/v1/agents/register',
      options: register({ agent_id: '-x' }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'agent_id',
    },
    {
      name: 'an id longer than 40 characters',
      method: 'POST',
      path: '/v1/agents/register',
      options: register({ agent_id: 'a'.repeat(41) }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'agent_id',
    },
    {
      name: 'an id with a path in it',
      method: 'POST',
      path: '/v1/agents/register',
      options: register({ agent_id: '../alice' }),
      status: 400,
      code: 'INVALID_BODY',
      names: 'agent_id',
    },
    {
      name: 'an id already taken',
      method: 'POST',
      path: '/v1/agents/register',
      options: register({ agent_id: 'alice' }),
      status: 409,
      code: 'AGENT_ID_TAKEN',
      names: 'alice',
    },
    {
      name: 'an id already taken, force by a non-organizer',
      method: 'POST',
      path: '/v1/agents/register',
      options: register({ agent_id: 'alice', force: true }),
      status: 409,
      code: 'AGENT_ID_TAKEN',
    },
  ];
  it.each(cases)('$name -> $status $code', async (c) => {
    expectError(await run(c), c.status, c.code, c.names);
  });
});

describe('result frontmatter', () => {
  const fields = ['tps', 'ppl', 'method', 'status', 'description'];
  const cases: Case[] = [
    ...fields.map((f): Case => ({
      name: `a result missing ${f}`,
      method: 'POST',
      path: '/v1/results',
      options: publish(resultMarkdown({ [f]: undefined })),
      status: 400,
      code: 'INVALID_FRONTMATTER',
      names: f,
    })),
    ...fields.map((f): Case => ({
      name: `a result with an empty ${f}`,
      method: 'POST',
      path: '/v1/results',
      options: publish(resultMarkdown({ [f]: '' })),
      status: 400,
      code: 'INVALID_FRONTMATTER',
      names: f,
    })),
    ...[0, -1, 'fast', true].map((v): Case => ({
      name: `tps: ${JSON.stringify(v)}`,
      method: 'POST',
      path: '/v1/results',
      options: publish(resultMarkdown({ tps: v })),
      status: 400,
      code: 'INVALID_FRONTMATTER',
      names: 'tps',
    })),
    {
      name: 'ppl: -2',
      method: 'POST',
      path: '/v1/results',
      options: publish(resultMarkdown({ ppl: -2 })),
      status: 400,
      code: 'INVALID_FRONTMATTER',
      names: 'ppl',
    },
    {
      name: 'status: done',
      method: 'POST',
      path: '/v1/results',
      options: publish(resultMarkdown({ status: 'done' })),
      status: 400,
      code: 'INVALID_FRONTMATTER',
      names: 'status',
    },
    {
      name: 'YAML that does not parse',
      method: 'POST',
      path: '/v1/results',
      options: publish('---\ntps: [100, 2\nppl: 2.3\n---\nbody\n'),
      status: 400,
      code: 'INVALID_FRONTMATTER',
    },
    {
      name: 'a frontmatter block never closed',
      method: 'POST',
      path: '/v1/results',
      options: publish('---\ntps: 100\nppl: 2.3\n'),
      status: 400,
      code: 'INVALID_FRONTMATTER',
    },
    {
      name: 'a frontmatter that is a list',
      method: 'POST',
      path: '/v1/results',
      options: publish('---\n- tps\n- ppl\n---\nbody\n'),
      status: 400,
      code: 'INVALID_FRONTMATTER',
    },
    {
      name: 'no frontmatter at all',
      method: 'POST',
      path: '/v1/results',
      options: publish('just a story, no numbers'),
      status: 400,
      code: 'INVALID_FRONTMATTER',
      names: 'tps',
    },
  ];
  it.each(cases)('$name -> $status $code', async (c) => {
    expectError(await run(c), c.status, c.code, c.names);
  });
});

// Unknown parameters, limit outside the page cap and order in capitals are not malformed: the public collab takes
// them, and tests/integration/public-api-compat.test.ts checks that this hub does too.
describe('query strings', () => {
  const cases: Case[] = [
    {
      name: 'limit=abc',
      method: 'GET',
      path: '/v1/messages?limit=abc',
      status: 400,
      code: 'INVALID_QUERY',
      names: 'limit',
    },
    {
      name: 'limit=2.5',
      method: 'GET',
      path: '/v1/agents?limit=2.5',
      status: 400,
      code: 'INVALID_QUERY',
      names: 'limit',
    },
    {
      name: 'expand=maybe',
      method: 'GET',
      path: '/v1/messages?expand=maybe',
      status: 400,
      code: 'INVALID_QUERY',
      names: 'expand',
    },
    {
      name: 'best_per_agent=maybe',
      method: 'GET',
      path: '/v1/leaderboard?best_per_agent=maybe',
      status: 400,
      code: 'INVALID_QUERY',
      names: 'best_per_agent',
    },
    {
      name: 'recursive=maybe',
      method: 'GET',
      path: '/v1/scratch/alice?recursive=maybe',
      status: 400,
      code: 'INVALID_QUERY',
      names: 'recursive',
    },
    {
      name: 'since=yesterday on messages',
      method: 'GET',
      path: '/v1/messages?since=yesterday',
      status: 400,
      code: 'INVALID_QUERY',
      names: 'since',
    },
    {
      name: 'until=soon on results',
      method: 'GET',
      path: '/v1/results?until=soon',
      status: 400,
      code: 'INVALID_QUERY',
      names: 'until',
    },
    {
      name: 'since=yesterday on the digest',
      method: 'GET',
      path: '/v1/digest?since=yesterday',
      status: 400,
      code: 'INVALID_QUERY',
      names: 'since',
    },
    {
      name: 'since=not-a-time on an inbox',
      method: 'GET',
      path: '/v1/inbox/alice?since=not-a-time',
      status: 400,
      code: 'INVALID_QUERY',
      names: 'since',
    },
    {
      name: 'verification=maybe on results',
      method: 'GET',
      path: '/v1/results?verification=maybe',
      status: 400,
      code: 'INVALID_QUERY',
      names: 'verification',
    },
    {
      name: 'verification=maybe on the leaderboard',
      method: 'GET',
      path: '/v1/leaderboard?verification=maybe',
      status: 400,
      code: 'INVALID_QUERY',
      names: 'verification',
    },
    {
      name: 'verification=valid,bogus on the leaderboard',
      method: 'GET',
      path: '/v1/leaderboard?verification=valid,bogus',
      status: 400,
      code: 'INVALID_QUERY',
      names: 'bogus',
    },
    {
      name: 'an empty verification on the leaderboard',
      method: 'GET',
      path: '/v1/leaderboard?verification=',
      status: 400,
      code: 'INVALID_QUERY',
      names: 'verification',
    },
    {
      name: 'agent=Bad_ID on the leaderboard',
      method: 'GET',
      path: '/v1/leaderboard?agent=Bad_ID',
      status: 400,
      code: 'INVALID_QUERY',
      names: 'agent',
    },
  ];
  it.each(cases)('$name -> $status $code', async (c) => {
    expectError(await run(c), c.status, c.code, c.names);
  });
});

describe('what a post refers to', () => {
  const cases: Case[] = [
    {
      name: 'a message with both body and source',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ body: 'hi', source: 'notes/ok.md' }),
      status: 400,
      code: 'BODY_OR_SOURCE_REQUIRED',
    },
    {
      name: 'a message with neither body nor source',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ type: 'agent' }),
      status: 400,
      code: 'BODY_OR_SOURCE_REQUIRED',
    },
    {
      name: 'a result with both content and source',
      method: 'POST',
      path: '/v1/results',
      options: asAlice({ content: resultMarkdown(), source: 'notes/ok.md' }),
      status: 400,
      code: 'BODY_OR_SOURCE_REQUIRED',
    },
    {
      name: 'a result with neither content nor source',
      method: 'POST',
      path: '/v1/results',
      options: asAlice({}),
      status: 400,
      code: 'BODY_OR_SOURCE_REQUIRED',
    },
    {
      name: 'a message from a source file that does not exist',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ source: 'notes/missing.md' }),
      status: 404,
      code: 'SOURCE_NOT_FOUND',
      names: 'notes/missing.md',
    },
    {
      name: 'a message whose source is a folder',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ source: 'notes' }),
      status: 404,
      code: 'SOURCE_NOT_FOUND',
    },
    {
      name: 'a result from a source file that does not exist',
      method: 'POST',
      path: '/v1/results',
      options: asAlice({ source: 'results/missing.md' }),
      status: 404,
      code: 'SOURCE_NOT_FOUND',
    },
    {
      name: "a message whose source is in bob's folder only",
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ source: 'mine.md' }),
      status: 404,
      code: 'SOURCE_NOT_FOUND',
    },
    {
      name: 'reply_to a message that does not exist',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ body: 'agreed', reply_to: '20200101-000000-000_nobody.md' }),
      status: 400,
      code: 'INVALID_REF',
      names: 'reply_to',
    },
    {
      name: 'a channel that does not exist',
      method: 'POST',
      path: '/v1/messages',
      options: asAlice({ body: 'hi', channel: 'no-such-tf' }),
      status: 404,
      code: 'CHANNEL_NOT_FOUND',
      names: 'no-such-tf',
    },
    {
      name: 'a note to a taskforce that does not exist',
      method: 'POST',
      path: '/v1/taskforces/no-such-tf/files',
      options: asAlice({ body: 'a note' }),
      status: 404,
      code: 'TASKFORCE_NOT_FOUND',
    },
    {
      name: 'an artifact sync of a missing source',
      method: 'POST',
      path: '/v1/artifacts:sync',
      options: asAlice({ source: 'nothing', dest_slug: 'nothing' }),
      status: 404,
      code: 'SOURCE_NOT_FOUND',
    },
  ];
  it.each(cases)('$name -> $status $code', async (c) => {
    expectError(await run(c), c.status, c.code, c.names);
  });
});

describe('routes that do not exist', () => {
  const cases: Case[] = [
    { name: 'GET /v1/nope', method: 'GET', path: '/v1/nope', status: 404, code: 'NOT_FOUND', names: '/v1/nope' },
    {
      name: 'POST /v1/nope',
      method: 'POST',
      path: '/v1/nope',
      options: asAlice({ body: 'hi' }),
      status: 404,
      code: 'NOT_FOUND',
    },
    { name: 'GET /v2/messages', method: 'GET', path: '/v2/messages', status: 404, code: 'NOT_FOUND' },
    {
      name: 'DELETE /v1/messages',
      method: 'DELETE',
      path: '/v1/messages',
      options: (w) => ({ token: w.alice }),
      status: 404,
      code: 'NOT_FOUND',
    },
    {
      name: 'PUT /v1/results',
      method: 'PUT',
      path: '/v1/results',
      options: asAlice({ content: 'x' }),
      status: 404,
      code: 'NOT_FOUND',
    },
    {
      name: 'GET a message that does not exist',
      method: 'GET',
      path: '/v1/messages/20200101-000000-000_nobody.md',
      status: 404,
      code: 'NOT_FOUND',
    },
    {
      name: 'GET a result that does not exist',
      method: 'GET',
      path: '/v1/results/20200101-000000-000_nobody.md',
      status: 404,
      code: 'NOT_FOUND',
    },
  ];
  it.each(cases)('$name -> $status $code', async (c) => {
    expectError(await run(c), c.status, c.code, c.names);
  });
});

describe('after all of that', () => {
  it('is healthy', async () => {
    expect((await hub.call('GET', '/v1/healthz')).body).toEqual({ status: 'ok' });
  });

  it('wrote nothing: messages, results, agents, taskforces, files and verdicts are as they were', async () => {
    const now = await snapshot();
    expect(now).toEqual(before);
    expect(existsSync(join(hub.dataDir, 'scratch', 'nobody'))).toBe(false);
    expect((await hub.call('GET', '/v1/scratch/bob/mine.md')).text).toBe('bob file');
    expect((await hub.call('GET', '/v1/scratch/alice/notes/ok.md')).text).toBe('a note');
  });

  it("still accepts valid writes, alice's original token included", async () => {
    const messages = (await hub.call('GET', '/v1/messages')).body.count;
    const results = (await hub.call('GET', '/v1/results')).body.count;
    const msg = await hub.call('POST', '/v1/messages', {
      token: world.alice,
      body: { body: 'back to work @bob', refs: [world.result] },
    });
    expect(msg.status).toBe(201);
    expect(msg.body.mentions_delivered).toEqual(['bob']);
    const result = await hub.call('POST', '/v1/results', {
      token: world.alice,
      body: { content: resultMarkdown({ tps: 120, description: 'after the storm' }) },
    });
    expect(result.status).toBe(201);
    const put = await hub.call('PUT', '/v1/scratch/alice/after.md', { token: world.alice, raw: 'ok' });
    expect(put.status).toBe(201);
    expect((await hub.call('GET', '/v1/messages')).body.count).toBe(messages + 1);
    expect((await hub.call('GET', '/v1/results')).body.count).toBe(results + 1);
    expect((await hub.call('GET', '/v1/leaderboard')).body.rows.map((r: { agent: string }) => r.agent)).toEqual([
      'alice',
      'bob',
    ]);
  });
});
