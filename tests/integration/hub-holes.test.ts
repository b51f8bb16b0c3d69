// Agents reach only what is theirs, on real hubs: the event stream tells each reader only what it may read, external
// agents' command lines and output reach the organizer alone, every refusal (the router's, Node's HTTP parser's, a
// trace export's write) answers in the one error body with its own 4xx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { superviseBeside, type Supervisor } from '../../src/agents/supervisor';
import type { SettingsInfo } from '../../src/shared/settings';
import type { SwarmAgentStatus, SwarmStatus, TraceStep } from '../../src/shared/swarm';
import { rawExchange, type RawResponse } from '../helpers/raw-http';
import { eventData, SseClient, type SseEvent } from '../helpers/sse-client';
import { startTestHub, type CallResult, type TestHub } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';

/** The uniform error body, with the status its code stands for. */
function expectErrorBody(
  status: number,
  contentType: string | null | undefined,
  body: unknown,
  expected: { status: number; code: string },
  context: string,
): void {
  expect(status, context).toBe(expected.status);
  expect(contentType ?? '', context).toContain('application/json');
  expect(body, context).toEqual({
    error: { code: expected.code, message: expect.any(String), hint: expect.any(String) },
  });
}

function expectError(res: CallResult, status: number, code: string): void {
  expectErrorBody(res.status, res.headers.get('content-type'), res.body, { status, code }, res.text);
}

function expectRawError(response: RawResponse | undefined, status: number, code: string): void {
  expect(response, 'a response').toBeDefined();
  expectErrorBody(
    response!.status,
    response!.headers['content-type'],
    JSON.parse(response!.body),
    { status, code },
    JSON.stringify(response),
  );
  // A whole response: its length is what it says, and it tells the client the connection ends here.
  expect(Number(response!.headers['content-length'])).toBe(Buffer.byteLength(response!.body));
  expect(response!.headers.connection).toBe('close');
}

describe('the event stream tells each reader only what that reader may read', () => {
  const hub = withHub();
  let alice: string;
  const open: SseClient[] = [];
  const EXTERNAL_COMMAND = 'my-agent --api-key=sk-defaults-4f7a2b --prompt-file {prompt_file}';
  /** A folder the organizer grants agents: their own paths, not everyone's business. */
  const GRANTED = '/opt/organizer-private-tools';

  async function subscribe(path: string, token?: string): Promise<SseClient> {
    const client = await SseClient.connect(
      hub.url + path,
      token ? { headers: { authorization: `Bearer ${token}` } } : {},
    );
    open.push(client);
    expect(client.status).toBe(200);
    return client;
  }

  /** Writes only the organizer may read about: saved agent defaults, a re-issued token. */
  async function organizerOnlyWrites(): Promise<void> {
    const saved = await hub.call('PUT', '/v1/settings/agent-defaults', {
      token: hub.organizerToken,
      body: { kind: 'external', command: EXTERNAL_COMMAND, sandbox: { read: [GRANTED] } },
    });
    expect(saved.status, saved.text).toBe(200);
    const reissued = await hub.call('POST', '/v1/agents/register', {
      token: hub.organizerToken,
      body: { agent_id: 'bob', model: 'test-model', harness: 'vitest', force: true },
    });
    expect(reissued.status, reissued.text).toBeLessThan(300);
  }

  async function sentinel(label: string): Promise<string> {
    const res = await hub.call('POST', '/v1/messages', { token: alice, body: { body: `sentinel ${label}` } });
    expect(res.status, res.text).toBe(201);
    return res.body.filename as string;
  }

  const untilSentinel = (client: SseClient, filename: string) =>
    client.waitFor((e) => e.type === 'message.created' && eventData(e).target === filename, `the sentinel ${filename}`);
  const types = (events: SseEvent[]) => events.map((e) => e.type);

  beforeAll(async () => {
    alice = await hub.register('alice');
    await hub.register('bob');
    await organizerOnlyWrites();
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
  });

  it('replays from event 0 to a reader without the organizer token only what a tokenless GET shows; the organizer gets the whole audit log', async () => {
    const end = await sentinel('replay');
    const audit = await hub.call<{ items: Array<{ id: number; action: string }> }>('GET', '/v1/audit?limit=1000', {
      token: hub.organizerToken,
    });
    expect(audit.status).toBe(200);
    const actions = audit.body.items.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['settings.agent_defaults', 'agent.token_reissued']));

    const anonymous = await subscribe('/v1/events?last_event_id=0');
    const agent = await subscribe('/v1/events?last_event_id=0', alice);
    const organizer = await subscribe('/v1/events?last_event_id=0', hub.organizerToken);
    for (const c of [anonymous, agent, organizer]) await untilSentinel(c, end);

    // The organizer reads the audit log on the stream, entry for entry.
    expect(organizer.received.map((e) => [Number(e.id), e.type])).toEqual(
      audit.body.items.map((r) => [r.id, r.action]),
    );
    // Everyone else: the registrations and the board, and not a trace of the organizer's own business.
    expect(types(anonymous.received)).toEqual(['agent.registered', 'agent.registered', 'message.created']);
    expect(agent.received).toEqual(anonymous.received);
    const published = anonymous.received.map((e) => e.data).join('\n');
    expect(published).not.toContain('sk-defaults-4f7a2b');
  });

  it('sends each live event only to the readers that may read it, and the same events to all of those', async () => {
    const anonymous = await subscribe('/v1/events');
    const agent = await subscribe('/v1/events', alice);
    const organizer = await subscribe('/v1/events', hub.organizerToken);
    await organizerOnlyWrites();
    const end = await sentinel('live');
    for (const c of [anonymous, agent, organizer]) await untilSentinel(c, end);

    expect(types(organizer.received)).toEqual(['settings.agent_defaults', 'agent.token_reissued', 'message.created']);
    expect(types(anonymous.received)).toEqual(['message.created']);
    expect(anonymous.received).toEqual(agent.received);
    expect(anonymous.received[0]).toEqual(organizer.received[2]);
  });

  it('refuses a token that matches nobody with the error body instead of opening a stream', async () => {
    const res = await fetch(`${hub.url}/v1/events`, { headers: { authorization: 'Bearer not-a-token-of-this-hub' } });
    // A stream never ends: read its body only once it is known not to be one.
    if (res.status === 200) await res.body?.cancel();
    expect(res.status).toBe(401);
    expectErrorBody(
      res.status,
      res.headers.get('content-type'),
      await res.json(),
      { status: 401, code: 'UNAUTHORIZED' },
      'GET /v1/events with a foreign token',
    );
  });

  it('shows the saved external command line in GET /v1/settings to the organizer only', async () => {
    const asOrganizer = await hub.call<SettingsInfo>('GET', '/v1/settings', { token: hub.organizerToken });
    expect(asOrganizer.body.agent_defaults).toMatchObject({
      kind: 'external',
      command: EXTERNAL_COMMAND,
      sandbox: { read: [GRANTED] },
    });
    for (const token of [undefined, alice]) {
      const res = await hub.call<SettingsInfo>('GET', '/v1/settings', { token });
      expect(res.status).toBe(200);
      expect(res.body.agent_defaults.kind).toBe('external');
      expect(res.body.agent_defaults).not.toHaveProperty('command');
      expect(res.body.agent_defaults).not.toHaveProperty('sandbox');
      expect(res.text).not.toContain(GRANTED);
      expect(res.text).not.toContain('sk-defaults-4f7a2b');
    }
  });
});

describe("external agents' command lines and output reach the organizer only", () => {
  /** What a careless agent prints as its last line: a secret, base64-encoded. */
  const SECRET = 'the vault code is 7291-4410';
  const PRINTED = Buffer.from(SECRET).toString('base64');
  const COMMAND_SECRET = 'sk-live-cmdline-93be01';
  /**
   * The agent itself, inline (no file a sandbox would have to let it read): reads its prompt, optionally leaves a
   * file named "traces" in its folder or prints a lot, then prints the secret and exits 0.
   */
  const AGENT_JS = [
    'const fs = require("fs");',
    'process.stdin.resume();',
    'process.stdin.on("end", () => {',
    '  if (process.argv.includes("--file-named-traces")) fs.writeFileSync("traces", "a file where an export wants a folder\\n");',
    '  if (process.argv.includes("--chatty")) for (let i = 0; i < 80; i++) console.log("progress " + i + " ".padEnd(100, "."));',
    `  console.log(${JSON.stringify(PRINTED)});`,
    '});',
  ].join(' ');

  let hub: TestHub;
  let supervisor: Supervisor;
  let organizerEvents: SseClient;
  let publicEvents: SseClient;
  let bystander: string;
  let leaky: string;

  /** Spawns an external agent and waits, on the organizer's stream, until it has exited. */
  async function spawnExternal(name: string, flag = ''): Promise<string> {
    const res = await hub.call<{ agents: SwarmAgentStatus[] }>('POST', '/v1/swarm/agents', {
      token: hub.organizerToken,
      // accept_unsandboxed only matters where no sandbox starts; where one does, the agent runs in it.
      body: {
        kind: 'external',
        name,
        command: `node -e '${AGENT_JS}' -- ${flag} --api-key=${COMMAND_SECRET} {prompt_file}`,
        accept_unsandboxed: true,
      },
    });
    expect(res.status, res.text).toBe(201);
    const id = res.body.agents[0]!.agent_id;
    const done = await organizerEvents.waitFor(
      (e) => {
        const agent = e.type === 'agent.status' ? eventData<{ agent: SwarmAgentStatus }>(e).agent : null;
        return agent?.agent_id === id && ['stopped', 'failed', 'backoff'].includes(agent.state);
      },
      `${id} to exit`,
      30_000,
    );
    const final = eventData<{ agent: SwarmAgentStatus }>(done).agent;
    expect(final.state, JSON.stringify(final)).toBe('stopped');
    return id;
  }

  beforeAll(async () => {
    // A scratch quota small enough that a chatty agent's trace does not fit in it.
    hub = await startTestHub({ limits: { scratch_quota_bytes: 4096 } as never });
    supervisor = superviseBeside(hub.running, { stepDelayMs: 0, restart: { baseMs: 200 } });
    organizerEvents = await SseClient.connect(`${hub.url}/v1/events`, {
      headers: { authorization: `Bearer ${hub.organizerToken}` },
    });
    publicEvents = await SseClient.connect(`${hub.url}/v1/events`);
    bystander = await hub.register('bystander');
    leaky = await spawnExternal('leaky');
  }, 60_000);

  afterAll(async () => {
    await Promise.all([organizerEvents?.close(), publicEvents?.close()]);
    await hub?.stop(true);
  }, 30_000);

  const statusOf = (body: SwarmStatus, id: string) => body.agents.find((a) => a.agent_id === id)!;

  it("GET /v1/swarm shows an external agent's command and last output line to the organizer, and to nobody else", async () => {
    const asOrganizer = await hub.call<SwarmStatus>('GET', '/v1/swarm', { token: hub.organizerToken });
    expect(statusOf(asOrganizer.body, leaky).last_message).toBe(PRINTED);
    expect(statusOf(asOrganizer.body, leaky).command).toContain(COMMAND_SECRET);
    // Its sandbox: the kind for everyone, the paths (the data folder, grants, masked token files) for the organizer.
    const policy = statusOf(asOrganizer.body, leaky).sandbox!;
    expect(policy.hidden).toContain(hub.dataDir);

    for (const token of [undefined, bystander]) {
      const res = await hub.call<SwarmStatus>('GET', '/v1/swarm', { token });
      expect(res.status).toBe(200);
      const agent = statusOf(res.body, leaky);
      expect(agent).toMatchObject({ kind: 'external', state: 'stopped', command: null, last_message: null });
      expect(agent.sandbox).toMatchObject({ kind: policy.kind, read: [], write: [], hidden: [], masked: [] });
      expect(res.text).not.toContain(hub.dataDir);
      expect(res.text).not.toContain(PRINTED);
      expect(res.text).not.toContain(COMMAND_SECRET);
    }
    expect(supervisor.status().agents.some((a) => a.agent_id === leaky)).toBe(true);
  });

  it("agent.status events carry them to the organizer's stream only", async () => {
    // Both streams get every status change; the public one waits for the same final change as the organizer's did.
    await publicEvents.waitFor(
      (e) =>
        e.type === 'agent.status' &&
        eventData<{ agent: SwarmAgentStatus }>(e).agent.agent_id === leaky &&
        eventData<{ agent: SwarmAgentStatus }>(e).agent.state === 'stopped',
      `${leaky} stopped`,
    );
    const mine = (events: SseEvent[]) =>
      events
        .filter((e) => e.type === 'agent.status')
        .map((e) => eventData<{ agent: SwarmAgentStatus }>(e).agent)
        .filter((a) => a.agent_id === leaky);
    const seenByPublic = mine(publicEvents.received);
    expect(seenByPublic.length).toBeGreaterThan(1);
    for (const a of seenByPublic) expect(a).toMatchObject({ command: null, last_message: null });
    const everythingPublic = publicEvents.received.map((e) => e.data).join('\n');
    expect(everythingPublic).not.toContain(PRINTED);
    expect(everythingPublic).not.toContain(COMMAND_SECRET);

    const seenByOrganizer = mine(organizerEvents.received);
    expect(seenByOrganizer.some((a) => a.last_message === PRINTED && a.command?.includes(COMMAND_SECRET))).toBe(true);
  });

  it('keeps traces to the organizer', async () => {
    expectError(await hub.call('GET', `/v1/swarm/agents/${leaky}/trace`), 401, 'UNAUTHORIZED');
    expectError(await hub.call('GET', `/v1/swarm/agents/${leaky}/trace`, { token: bystander }), 403, 'NOT_ORGANIZER');
    expectError(
      await hub.call('POST', `/v1/swarm/agents/${leaky}/trace/export`, { token: bystander }),
      403,
      'NOT_ORGANIZER',
    );
    const trace = await hub.call<{ steps: TraceStep[] }>('GET', `/v1/swarm/agents/${leaky}/trace`, {
      token: hub.organizerToken,
    });
    expect(trace.status).toBe(200);
    expect(trace.body.steps.some((s) => s.kind === 'output' && s.text === PRINTED)).toBe(true);
  });

  it('a trace export the scratch folder refuses answers that refusal (400, 413), not 500; one that fits is written', async () => {
    const blocked = await spawnExternal('blocked', '--file-named-traces');
    const onFile = await hub.call('POST', `/v1/swarm/agents/${blocked}/trace/export`, { token: hub.organizerToken });
    expectError(onFile, 400, 'INVALID_PATH');
    expect(onFile.body.error.message).toMatch(new RegExp(`scratch/${blocked}/.*is a file`));

    const chatty = await spawnExternal('chatty', '--chatty');
    const overQuota = await hub.call('POST', `/v1/swarm/agents/${chatty}/trace/export`, { token: hub.organizerToken });
    expectError(overQuota, 413, 'SCRATCH_QUOTA_EXCEEDED');
    expect(overQuota.body.error.message).toContain(`scratch/${chatty}`);

    const fits = await hub.call<{ path: string; files: string[] }>('POST', `/v1/swarm/agents/${leaky}/trace/export`, {
      token: hub.organizerToken,
    });
    expect(fits.status, fits.text).toBe(201);
    expect((await hub.call('GET', `/v1/scratch/${leaky}/${fits.body.files[0]!}`)).status).toBe(200);
  }, 60_000);
});

describe('every error answers in the one body, with its own 4xx', () => {
  const hub = withHub({ limits: { json_body_bytes: 8192 } as never });
  let alice: string;

  beforeAll(async () => {
    alice = await hub.register('alice');
  });

  describe('errors Fastify raises before a route runs', () => {
    it('a URL whose percent-encoding is not UTF-8: 400 INVALID_PATH', async () => {
      expectError(await hub.call('GET', '/v1/messages/%E0%A4%A'), 400, 'INVALID_PATH');
    });
    it('a path parameter longer than the router takes: 414 URI_TOO_LONG', async () => {
      expectError(await hub.call('GET', `/v1/agents/${'a'.repeat(300)}`), 414, 'URI_TOO_LONG');
    });
    it('a body over limits.json_body_bytes: 413 PAYLOAD_TOO_LARGE', async () => {
      expectError(
        await hub.call('POST', '/v1/messages', { token: alice, body: { body: 'x'.repeat(9000) } }),
        413,
        'PAYLOAD_TOO_LARGE',
      );
    });
    it('a content type the route does not take: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      expectError(
        await hub.call('POST', '/v1/messages', {
          token: alice,
          raw: '<body/>',
          headers: { 'content-type': 'application/xml' },
        }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    });
    it('malformed JSON: 400 INVALID_JSON', async () => {
      expectError(
        await hub.call('POST', '/v1/messages', {
          token: alice,
          raw: '{"body": "unterminated',
          headers: { 'content-type': 'application/json' },
        }),
        400,
        'INVALID_JSON',
      );
    });
  });

  describe("bytes Node's HTTP parser refuses get a whole response, then the connection closes", () => {
    const host = () => `Host: ${new URL(hub.url).host}\r\n`;
    it('a malformed request line: 400 INVALID_REQUEST', async () => {
      const { responses } = await rawExchange(hub.url, 'GARBAGE\r\n\r\n');
      expect(responses).toHaveLength(1);
      expectRawError(responses[0], 400, 'INVALID_REQUEST');
    });
    it('a header name with a space in it: 400 INVALID_REQUEST', async () => {
      const { responses } = await rawExchange(hub.url, `GET /v1/healthz HTTP/1.1\r\n${host()}Bad Header: x\r\n\r\n`);
      expectRawError(responses[0], 400, 'INVALID_REQUEST');
    });
    it('a Content-Length that is not a number: 400 INVALID_REQUEST', async () => {
      const { responses } = await rawExchange(
        hub.url,
        `POST /v1/messages HTTP/1.1\r\n${host()}Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}`,
      );
      expectRawError(responses[0], 400, 'INVALID_REQUEST');
    });
    it('headers larger than Node reads: 431 HEADERS_TOO_LARGE', async () => {
      const { responses } = await rawExchange(
        hub.url,
        `GET /v1/healthz HTTP/1.1\r\n${host()}X-Pad: ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      expectRawError(responses[0], 431, 'HEADERS_TOO_LARGE');
    });
    it('an HTTP/1.1 request without Host: 400 INVALID_REQUEST (Node would answer with an empty body)', async () => {
      const { responses } = await rawExchange(hub.url, 'GET /v1/healthz HTTP/1.1\r\nConnection: close\r\n\r\n');
      expect(responses).toHaveLength(1);
      expectErrorBody(
        responses[0]!.status,
        responses[0]!.headers['content-type'],
        JSON.parse(responses[0]!.body),
        { status: 400, code: 'INVALID_REQUEST' },
        responses[0]!.body,
      );
    });
    it('CONNECT (a proxy tunnel): 404 NOT_FOUND (Node would drop the connection without a word)', async () => {
      const { responses } = await rawExchange(
        hub.url,
        'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
      );
      expectRawError(responses[0], 404, 'NOT_FOUND');
    });
    it('garbage after a whole request on the same connection: the request is answered first, then the 400', async () => {
      const { responses } = await rawExchange(hub.url, `GET /v1/healthz HTTP/1.1\r\n${host()}\r\nGARBAGE\r\n\r\n`);
      expect(responses.map((r) => r.status)).toEqual([200, 400]);
      expect(JSON.parse(responses[0]!.body)).toEqual({ status: 'ok' });
      expectRawError(responses[1], 400, 'INVALID_REQUEST');
    });
    it('an expectation the hub has none to meet is served as a plain request (Node would answer 417 with no body)', async () => {
      const { responses } = await rawExchange(
        hub.url,
        `GET /v1/healthz HTTP/1.1\r\n${host()}Expect: something-else\r\nConnection: close\r\n\r\n`,
      );
      expect(responses.map((r) => [r.status, r.body])).toEqual([[200, '{"status":"ok"}']]);
    });
  });
});
