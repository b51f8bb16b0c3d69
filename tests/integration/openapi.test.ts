// The one contract: /openapi.json lists every route GET /v1 lists, each with its declared answer, /docs shows them, and what a real hub answers conforms to what the contract declares.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { superviseBeside } from '../../src/agents/supervisor';
import { engineJobRunner } from '../../src/bench/job-runner';
import { createModelLibrary } from '../../src/bench/model-library';
import type { OpenApiDocument, OpenApiResponse } from '../../src/hub/openapi';
import type { DownloadInfo, ModelsInfo } from '../../src/shared/models';
import type { SwarmAgentStatus } from '../../src/shared/swarm';
import { Conformance } from '../helpers/conformance';
import { seededBytes, startHfStandin, type HfStandin } from '../helpers/hf-standin';
import { eventData, SseClient } from '../helpers/sse-client';
import { resultMarkdown, startTestHub, type TestHub } from '../helpers/test-hub';

const organizerOf = (hub: TestHub) => ({ token: hub.organizerToken });

/** A result with its interval and its repeats, so a comparison has a spread to work with. */
const MEASURED =
  '---\ntps: 120\ntps_ci: [115, 125]\ntps_per_repeat: [118, 120, 122]\nppl: 2.3\nmethod: q8 draft\nstatus: agent-run\ndescription: speculative, q8 draft\nhardware: test-cpu\n---\nHow it was measured.\n';

describe('/openapi.json and /docs', () => {
  let hub: TestHub;
  let doc: OpenApiDocument;
  let endpoints: Array<{ method: string; path: string; purpose: string }>;

  beforeAll(async () => {
    hub = await startTestHub();
    doc = (await hub.call<OpenApiDocument>('GET', '/openapi.json')).body;
    endpoints = (await hub.call('GET', '/v1')).body.endpoints;
  });
  afterAll(async () => hub?.stop(true));

  /** GET /v1 writes paths as the document does (`{param}`, `{path}`), as the public collab's GET /v1 does. */
  const asOpenApi = (path: string) => path;

  it('is an OpenAPI 3.1 document with the shared error response and bearer auth', async () => {
    const res = await hub.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.Error).toMatchObject({ type: 'object', required: ['error'] });
    // Every schema in it compiles as JSON Schema 2020-12 (the dialect of OpenAPI 3.1).
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        expect(op.responses.default, `${method} ${path}`).toEqual({ $ref: '#/components/responses/Error' });
        for (const p of op.parameters) ajv.compile(p.schema);
        if (op.requestBody) ajv.compile(op.requestBody.content['application/json']!.schema);
        for (const r of Object.values(op.responses))
          for (const c of Object.values((r as OpenApiResponse).content ?? {})) ajv.compile(c.schema);
      }
    }
  });

  it('lists every route GET /v1 lists, itself and /docs included, with its purpose, auth and path parameters', () => {
    expect(endpoints.length).toBeGreaterThan(50);
    const listed = new Set<string>();
    for (const e of endpoints) {
      const path = asOpenApi(e.path);
      listed.add(`${e.method} ${path}`);
      const op = doc.paths[path]?.[e.method.toLowerCase()];
      expect(op, `${e.method} ${path}`).toBeDefined();
      expect(op!.summary).toBe(e.purpose);
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g))
        expect(
          op!.parameters.some((p) => p.in === 'path' && p.name === name),
          `${e.method} ${path} {${name}}`,
        ).toBe(true);
      expect(op!.security !== undefined, `${e.method} ${path}: bearer auth`).toBe(op!['x-auth'] !== 'none');
    }
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(new Set(documented)).toEqual(listed);
    expect(listed).toContain('GET /openapi.json');
    expect(listed).toContain('GET /docs');
    expect(listed).toContain('POST /v1/artifacts:sync');
    expect(doc.paths['/v1/messages']!.get!.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['since', 'agent', 'expand', 'channel', 'thread']),
    );
    expect(doc.paths['/v1/messages']!.post!.requestBody).toBeDefined();
    expect(doc.paths['/v1/leaderboard']!.get!['x-auth']).toBe('none');
    expect(doc.paths['/v1/agents/{agent_id}/suspend']!.post!['x-auth']).toBe('organizer');
  });

  it('declares a response for every route', () => {
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const statuses = Object.keys(op.responses).filter((s) => s !== 'default');
        expect(statuses.length, `${method} ${path}`).toBeGreaterThan(0);
        for (const s of statuses) expect(Number(s), `${method} ${path}`).toBeLessThan(300);
      }
    }
    // Open where the hub really sends open objects, closed elsewhere.
    const record = doc.paths['/v1/messages/{filename}']!.get!.responses['200'] as OpenApiResponse;
    const schema = record.content!['application/json']!.schema as {
      additionalProperties: boolean;
      properties: Record<string, { patternProperties?: unknown }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.frontmatter!.patternProperties).toBeDefined();
  });

  it('serves /docs: one HTML page, no script, naming every route with its auth, parameters and answer fields', async () => {
    const res = await hub.call('GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.text).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)/i);
    const html = res.text.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c)));
    for (const e of endpoints) {
      expect(html, `${e.method} ${e.path}`).toContain(`${e.method}</span>${asOpenApi(e.path)}</h3>`);
      expect(html).toContain(e.purpose);
    }
    expect(html).toContain('Auth: organizer');
    // A parameter, a body field, and an answer's nested field.
    expect(html).toContain('<code>best_per_agent</code>');
    expect(html).toContain('<code>reply_to</code>');
    expect(html).toContain('<code>rows[].speedup_ci</code>');
    expect(html).toContain('<code>error.code</code>');
  });
});

describe('conformance: what a board-only hub answers is what /openapi.json declares', () => {
  let hub: TestHub;
  let api: Conformance;

  beforeAll(async () => {
    hub = await startTestHub();
    api = new Conformance(hub, (await hub.call<OpenApiDocument>('GET', '/openapi.json')).body);
  });
  afterAll(async () => hub?.stop(true));

  it('a realistic session: agents, messages with a mention and a reply, results, verdicts, taskforces, scratch and central', async () => {
    const org = organizerOf(hub);
    await api.call('GET', '/v1', '/v1');
    await api.call('GET', '/v1/healthz', '/v1/healthz');
    await api.call('GET', '/README.md', '/README.md');
    await api.call('GET', '/openapi.json', '/openapi.json');
    await api.call('GET', '/docs', '/docs');

    // Agents.
    const alice = (
      await api.call('POST', '/v1/agents/register', '/v1/agents/register', {
        body: { agent_id: 'alice', model: 'm', harness: 'vitest', tools: ['curl'], bio: 'measures things' },
      })
    ).body.token as string;
    const bob = (
      await api.call('POST', '/v1/agents/register', '/v1/agents/register', {
        body: { agent_id: 'bob', model: 'm', harness: 'vitest' },
      })
    ).body.token as string;
    const carol = (
      await api.call('POST', '/v1/agents/register', '/v1/agents/register', {
        body: { agent_id: 'carol', model: 'm', harness: 'vitest' },
      })
    ).body.token as string;
    const reissued = await api.call('POST', '/v1/agents/register', '/v1/agents/register', {
      ...org,
      body: { agent_id: 'carol', model: 'm2', harness: 'vitest', force: true },
    });
    expect(reissued.status).toBe(200);
    await api.call('POST', '/v1/agents/register', '/v1/agents/register', {
      body: { agent_id: 'alice', model: 'm', harness: 'vitest' },
    });
    await api.call('GET', '/v1/me', '/v1/me', { token: alice });
    await api.call('GET', '/v1/me', '/v1/me', org);
    await api.call('GET', '/v1/me', '/v1/me');
    await api.call('GET', '/v1/agents', '/v1/agents');
    await api.call('GET', '/v1/agents', '/v1/agents?expand=true&order=asc');
    await api.call('GET', '/v1/agents/{agent_id}', '/v1/agents/alice');
    await api.call('GET', '/v1/agents/{agent_id}', '/v1/agents/nobody');
    await api.call('POST', '/v1/agents/{agent_id}/suspend', '/v1/agents/carol/suspend', org);
    await api.call('POST', '/v1/agents/{agent_id}/suspend', '/v1/agents/carol/suspend', { token: alice });
    await api.call('POST', '/v1/agents/{agent_id}/reinstate', '/v1/agents/carol/reinstate', org);

    // Messages: a mention, a reply, a ref, a broadcast, refusals.
    const hello = (
      await api.call('POST', '/v1/messages', '/v1/messages', {
        token: alice,
        body: { body: 'hello @bob, the draft at q8 looks promising', type: 'idea' },
      })
    ).body.filename as string;
    const reply = (
      await api.call('POST', '/v1/messages', '/v1/messages', {
        token: bob,
        body: { body: 'agreed, measuring it', reply_to: hello, refs: [hello] },
      })
    ).body.filename as string;
    await api.call('POST', '/v1/messages', '/v1/messages', { ...org, body: { body: 'welcome all', broadcast: true } });
    await api.call('POST', '/v1/messages', '/v1/messages', { body: { body: 'no token' } });
    await api.call('POST', '/v1/messages', '/v1/messages', { token: alice, body: { nonsense: 1 } });
    await api.call('POST', '/v1/messages', '/v1/messages', {
      token: carol,
      raw: '{"body":',
      headers: { 'content-type': 'application/json' },
    });
    await api.call('GET', '/v1/messages', '/v1/messages');
    await api.call('GET', '/v1/messages', `/v1/messages?expand=true&thread=${hello}`);
    await api.call('GET', '/v1/messages', '/v1/messages?limit=0');
    await api.call('GET', '/v1/messages/{filename}', `/v1/messages/${reply}`);
    await api.call('GET', '/v1/messages/{filename}', '/v1/messages/nope.md');
    await api.call('GET', '/v1/inbox/{handle}', '/v1/inbox/bob?expand=true');
    await api.call('GET', '/v1/inbox/{handle}', '/v1/inbox/alice');

    // Results, verdicts, the leaderboard, a comparison, the digest.
    const r1 = (await api.call('POST', '/v1/results', '/v1/results', { token: alice, body: { content: MEASURED } }))
      .body.filename as string;
    const r2 = (
      await api.call('POST', '/v1/results', '/v1/results', {
        token: bob,
        body: { content: resultMarkdown({ tps: 100, method: 'plain', hardware: 'test-cpu' }) },
      })
    ).body.filename as string;
    await api.call('POST', '/v1/results', '/v1/results', { token: bob, body: { content: 'no frontmatter' } });
    await api.call('GET', '/v1/results', '/v1/results');
    await api.call('GET', '/v1/results', '/v1/results?expand=true');
    await api.call('GET', '/v1/results/{filename}', `/v1/results/${r1}`);
    await api.call('POST', '/v1/results/{filename}/verdict', `/v1/results/${r2}/verdict`, {
      ...org,
      body: { verdict: 'valid', note: 'checked' },
    });
    await api.call('POST', '/v1/results/{filename}/verdict', `/v1/results/${r2}/verdict`, {
      token: bob,
      body: { verdict: 'valid' },
    });
    await api.call('GET', '/v1/results/{filename}', `/v1/results/${r2}`);
    await api.call('GET', '/v1/leaderboard', '/v1/leaderboard');
    await api.call(
      'GET',
      '/v1/leaderboard',
      '/v1/leaderboard?best_per_agent=false&hardware=all&verification=valid,pending,invalid',
    );
    await api.call('GET', '/v1/compare', `/v1/compare?a=${r1}&b=${r2}`);
    await api.call('GET', '/v1/compare', `/v1/compare?a=${r1}&b=nope.md`);
    await api.call('GET', '/v1/digest', '/v1/digest');
    await api.call('GET', '/v1/digest', '/v1/digest?as=bob');

    // Scratch and central.
    await api.call('PUT', '/v1/scratch/{agent_id}/{path}', '/v1/scratch/alice/notes/plan.md', {
      token: alice,
      raw: '# plan\n',
      headers: { 'content-type': 'text/markdown' },
    });
    await api.call('PUT', '/v1/scratch/{agent_id}/{path}', '/v1/scratch/alice/map/levers.json', {
      token: alice,
      raw: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    await api.call('PUT', '/v1/scratch/{agent_id}/{path}', '/v1/scratch/alice/notes/x.md', {
      token: bob,
      raw: 'not mine',
    });
    await api.call('PUT', '/v1/scratch/{agent_id}/{path}', '/v1/scratch/alice/junk.bin', {
      token: alice,
      raw: Buffer.from([1, 2, 3]),
    });
    await api.call('GET', '/v1/scratch/{agent_id}', '/v1/scratch/alice');
    await api.call('GET', '/v1/scratch/{agent_id}', '/v1/scratch/alice?recursive=true');
    await api.call('GET', '/v1/scratch/{agent_id}/{path}', '/v1/scratch/alice/notes');
    await api.call('GET', '/v1/scratch/{agent_id}/{path}', '/v1/scratch/alice/notes/plan.md');
    await api.call('GET', '/v1/scratch/{agent_id}/{path}', '/v1/scratch/alice/map/levers.json');
    await api.call('GET', '/v1/scratch/{agent_id}/{path}', '/v1/scratch/alice/nope.md');
    await api.call('DELETE', '/v1/scratch/{agent_id}/{path}', '/v1/scratch/alice/junk.bin', { token: alice });
    await api.call('POST', '/v1/artifacts:sync', '/v1/artifacts:sync', {
      token: alice,
      body: { source: 'notes', dest_slug: 'plans' },
    });
    await api.call('POST', '/v1/shared-resources:sync', '/v1/shared-resources:sync', {
      token: alice,
      body: { source: 'map', dest_path: 'lever-map_alice' },
    });
    await api.call('POST', '/v1/shared-resources:sync', '/v1/shared-resources:sync', {
      token: alice,
      body: { source: 'map', dest_path: 'lever-map_bob' },
    });
    await api.call('GET', '/v1/central', '/v1/central');
    await api.call('GET', '/v1/central', '/v1/central?recursive=true');
    await api.call('GET', '/v1/central/{path}', '/v1/central/artifacts/plans_alice');
    await api.call('GET', '/v1/central/{path}', '/v1/central/artifacts/plans_alice/plan.md');

    // Traces: a session shared (stats, then full), refused (no manifest), listed, read, and the token totals.
    await api.call('GET', '/v1/stats', '/v1/stats');
    const trace =
      '---\nschema_version: 1\nharness: claude-code\nsession_id: s1\nnative_log_file: log.jsonl\nusage:\n  total_tokens: 42\nactivity:\n  tool_calls: 3\n---\nTried a q8 draft.\n';
    await hub.client(alice).writeScratch('alice', 'traces/s1/manifest.md', trace);
    await hub.client(alice).writeScratch('alice', 'traces/s1/log.jsonl', '{"type":"user"}\n');
    await api.call('POST', '/v1/traces', '/v1/traces', { token: alice, body: { source: 'traces/s1/' } });
    await api.call('POST', '/v1/traces', '/v1/traces', { token: alice, body: { source: 'traces/s1/', share: 'full' } });
    await api.call('POST', '/v1/traces', '/v1/traces', { token: alice, body: { source: 'traces/none/' } });
    await api.call('GET', '/v1/traces', '/v1/traces');
    await api.call('GET', '/v1/traces', '/v1/traces?expand=true&harness=claude-code');
    await api.call('GET', '/v1/traces/{agent}/{session}', '/v1/traces/alice/s1');
    await api.call('GET', '/v1/traces/{agent}/{session}', '/v1/traces/alice/nope');
    await api.call('GET', '/v1/stats', '/v1/stats');

    // Taskforces.
    await api.call('POST', '/v1/taskforces', '/v1/taskforces', {
      token: alice,
      body: { name: 'drafts', body: 'Which draft model pays off.' },
    });
    await api.call('POST', '/v1/taskforces', '/v1/taskforces', {
      token: alice,
      body: { name: 'drafts', body: 'Which draft model pays off, on CPU too.' },
    });
    await api.call('POST', '/v1/taskforces', '/v1/taskforces', {
      token: bob,
      body: { name: 'drafts', body: 'mine now' },
    });
    await api.call('POST', '/v1/taskforces/{name}/files', '/v1/taskforces/drafts/files', {
      token: bob,
      body: { body: 'q4 draft: 1.3x', refs: [r2] },
    });
    await api.call('POST', '/v1/taskforces/{name}/files', '/v1/taskforces/drafts/files', {
      token: alice,
      body: { source: 'notes/plan.md', dest_path: 'notes_alice.md' },
    });
    await api.call('GET', '/v1/taskforces', '/v1/taskforces');
    await api.call('GET', '/v1/taskforces', '/v1/taskforces?q=draft&limit=5');
    await api.call('GET', '/v1/taskforces/{name}', '/v1/taskforces/drafts');
    await api.call('GET', '/v1/taskforces/{name}', '/v1/taskforces/nope');
    await api.call('GET', '/v1/taskforces/{name}/notes', '/v1/taskforces/drafts/notes?expand=true');
    await api.call('GET', '/v1/taskforces/{name}/files', '/v1/taskforces/drafts/files');
    await api.call('GET', '/v1/taskforces/{name}/files/{path}', '/v1/taskforces/drafts/files/README.md');
    await api.call('GET', '/v1/taskforces/{name}/files/{path}', '/v1/taskforces/drafts/files/notes_alice.md');

    // Channels: created (and updated, and refused), subscribed, posted in, read, the feed and the digest's block.
    await api.call('POST', '/v1/channels', '/v1/channels', {
      token: alice,
      body: { name: 'speculation', body: 'Draft models and how far ahead they guess.' },
    });
    await api.call('POST', '/v1/channels', '/v1/channels', {
      token: alice,
      body: { name: 'speculation', body: 'Draft models, n-grams, and how far ahead they guess.' },
    });
    await api.call('POST', '/v1/channels', '/v1/channels', { token: bob, body: { name: 'speculation', body: 'x' } });
    await api.call('POST', '/v1/channels', '/v1/channels', { token: bob, body: { name: 'Bad_Name', body: 'x' } });
    await api.call('POST', '/v1/channels/{name}/subscribe', '/v1/channels/speculation/subscribe', {
      token: bob,
      body: {},
    });
    await api.call('POST', '/v1/channels/{name}/subscribe', '/v1/channels/nope/subscribe', { token: bob, body: {} });
    await api.call('POST', '/v1/channels/{name}/subscribe', '/v1/channels/speculation/subscribe', {
      token: bob,
      body: { notify: 'all' },
    });
    await api.call('POST', '/v1/channels/{name}/subscribe', '/v1/channels/speculation/subscribe', {
      token: bob,
      body: { notify: 'loud' },
    });
    await api.call('POST', '/v1/messages', '/v1/messages', {
      token: bob,
      body: { body: '@alice n-gram drafts help on code', channel: 'speculation' },
    });
    await api.call('POST', '/v1/messages', '/v1/messages', { token: bob, body: { body: 'x', channel: 'nope' } });
    await api.call('GET', '/v1/channels', '/v1/channels');
    await api.call('GET', '/v1/channels', '/v1/channels?q=draft&limit=5');
    await api.call('GET', '/v1/channels/{name}', '/v1/channels/speculation');
    await api.call('GET', '/v1/channels/{name}', '/v1/channels/nope');
    await api.call('GET', '/v1/channels/{name}/messages', '/v1/channels/speculation/messages?expand=true');
    await api.call('GET', '/v1/channels/feed', '/v1/channels/feed?as=bob&expand=true');
    await api.call('GET', '/v1/channels/feed', '/v1/channels/feed?as=ghost');
    await api.call('GET', '/v1/channels/feed', '/v1/channels/feed?as=bob&expand=true&order=asc&wait=1');
    await api.call('GET', '/v1/channels/feed', '/v1/channels/feed?as=alice&wait=1&before=x');
    await api.call('GET', '/v1/inbox/{handle}', '/v1/inbox/alice?expand=true&order=asc&wait=1');
    await api.call('GET', '/v1/digest', '/v1/digest?as=bob');
    await api.call('GET', '/v1/digest', '/v1/digest?as=alice&after=0');
    await api.call('POST', '/v1/channels/{name}/unsubscribe', '/v1/channels/speculation/unsubscribe', {
      token: bob,
      body: {},
    });

    // Updates: the stream (plain, parked until a mention lands, refused), who is watching, the watcher script.
    await api.call('GET', '/v1/updates', '/v1/updates?as=alice&expand=true&order=asc');
    const parked = api.call('GET', '/v1/updates', '/v1/updates?as=bob&expand=true&wait=30');
    await api.call('GET', '/v1/watching', '/v1/watching');
    await api.call('POST', '/v1/messages', '/v1/messages', { token: alice, body: { body: '@bob wake up' } });
    await api.call('GET', '/v1/updates', '/v1/updates?as=bob&expand=true&wait=0.1&after=99990101');
    await parked;
    await api.call('GET', '/v1/updates', '/v1/updates?as=ghost');
    await api.call('GET', '/v1/watch.sh', '/v1/watch.sh');

    // The organizer's reads, settings, and the audit log.
    await api.call('GET', '/v1/audit', '/v1/audit', org);
    await api.call('GET', '/v1/audit', '/v1/audit?limit=3&after=2', org);
    await api.call('GET', '/v1/audit', '/v1/audit', { token: alice });
    await api.call('GET', '/v1/settings', '/v1/settings');
    await api.call('GET', '/v1/settings', '/v1/settings', org);
    await api.call('PUT', '/v1/settings/agent-defaults', '/v1/settings/agent-defaults', {
      ...org,
      body: { count: 2, kind: 'external', command: 'my-agent {prompt_file}', role: 'tuner' },
    });
    await api.call('PUT', '/v1/settings/agent-defaults', '/v1/settings/agent-defaults', {
      ...org,
      body: { kind: 'external' },
    });
    await api.call('PUT', '/v1/settings/welcome', '/v1/settings/welcome', { ...org, body: {} });
    await api.call('GET', '/v1/packs', '/v1/packs');
    await api.call('POST', '/v1/packs/install', '/v1/packs/install', { ...org, body: { pack: 'demo' } });

    // What a board-only hub does not run answers the one error body.
    await api.call('GET', '/v1/challenge', '/v1/challenge');
    await api.call('POST', '/v1/challenge/baseline', '/v1/challenge/baseline', org);
    await api.call('POST', '/v1/jobs', '/v1/jobs', { token: alice, body: { config: { draft: 'x' } } });
    await api.call('POST', '/v1/jobs:run', '/v1/jobs:run', {
      token: alice,
      body: { submission_prefix: 'subs/v1', run_prefix: 'runs/v1' },
    });
    await api.call('GET', '/v1/jobs', '/v1/jobs');
    await api.call('GET', '/v1/jobs/quota', '/v1/jobs/quota', { token: alice });
    await api.call('GET', '/v1/jobs/{id}', '/v1/jobs/j-1');
    await api.call('DELETE', '/v1/jobs/{id}', '/v1/jobs/j-1', { token: alice });
    await api.call('POST', '/v1/results/{filename}/verify', `/v1/results/${r1}/verify`, org);
    await api.call('GET', '/v1/swarm', '/v1/swarm');
    await api.call('POST', '/v1/swarm/agents', '/v1/swarm/agents', { ...org, body: { count: 1 } });
    await api.call('POST', '/v1/swarm/{action}', '/v1/swarm/pause', org);
    await api.call('GET', '/v1/swarm/agents/{agent_id}/trace', '/v1/swarm/agents/alice/trace', org);
    await api.call('GET', '/v1/models', '/v1/models');
    await api.call('POST', '/v1/models/pull', '/v1/models/pull', { ...org, body: { repo: 'a/b', file: 'c.gguf' } });
    await api.call('DELETE', '/v1/models/{id}', '/v1/models/m1', org);

    expect(api.drift, `the hub answered what its contract does not declare:\n${api.drift.join('\n')}`).toEqual([]);
    // The sequence reached every route of the board, results, agents, taskforces and workspace with a success.
    const succeeded = new Set([...api.seen].filter((s) => /\s2\d\d$/.test(s)).map((s) => s.replace(/\s\d+$/, '')));
    for (const [path, methods] of Object.entries(api.doc.paths)) {
      for (const method of Object.keys(methods)) {
        if (
          /^\/v1\/(agents|messages|inbox|results|leaderboard|compare|digest|taskforces|channels|scratch|central|artifacts|shared-resources|audit|me|settings|traces|stats|updates|watching|watch\.sh)\b/.test(
            path,
          ) &&
          !path.endsWith('/verify')
        ) {
          expect(succeeded, `${method.toUpperCase()} ${path} was never answered with a success`).toContain(
            `${method.toUpperCase()} ${path}`,
          );
        }
      }
    }
  });

  it('the live stream answers text/event-stream, as declared', async () => {
    const abort = new AbortController();
    const res = await fetch(`${hub.url}/v1/events`, { signal: abort.signal });
    api.check('GET', '/v1/events', { status: res.status, headers: res.headers, body: null, text: '' });
    abort.abort();
    await res.body?.cancel().catch(() => undefined);
    expect(res.status).toBe(200);
    expect(api.drift).toEqual([]);
  });
});

describe('conformance: jobs, models and the swarm on a hub that runs them', () => {
  const REPO = 'collab/tiny-gguf';
  const FILE = 'tiny-Q4_0.gguf';
  let root: string;
  let hf: HfStandin;
  let hub: TestHub;
  let api: Conformance;
  let events: SseClient;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'collab-desk-openapi-'));
    mkdirSync(join(root, 'packs'));
    hf = await startHfStandin({ repos: { [REPO]: { files: { [FILE]: seededBytes(200_000, 21) } } } });
    hub = await startTestHub({}, join(root, 'data'), {
      jobRunner: engineJobRunner(),
      models: (dataDir) =>
        createModelLibrary({
          dataDir,
          cacheDir: join(root, 'hf-cache'),
          hubUrl: hf.url,
          packsDir: join(root, 'packs'),
        }),
    });
    // No local agent and no model: the supervisor starts no inference host; the one agent spawned below is an external command.
    superviseBeside(hub.running, { stepDelayMs: 0, restart: { baseMs: 200 } });
    events = await SseClient.connect(`${hub.url}/v1/events`, {
      headers: { authorization: `Bearer ${hub.organizerToken}` },
    });
    api = new Conformance(hub, (await hub.call<OpenApiDocument>('GET', '/openapi.json')).body);
  }, 60_000);

  afterAll(async () => {
    await events?.close();
    await hub?.stop(true);
    await hf?.close();
    rmSync(root, { recursive: true, force: true });
  }, 30_000);

  it('jobs: the list, the quota and refusals without a challenge', async () => {
    const alice = await hub.register('alice');
    const list = await api.call('GET', '/v1/jobs', '/v1/jobs?state=queued,running');
    expect(list.status).toBe(200);
    await api.call('GET', '/v1/jobs/quota', '/v1/jobs/quota', { token: alice });
    await api.call('GET', '/v1/challenge', '/v1/challenge');
    await api.call('POST', '/v1/jobs', '/v1/jobs', { token: alice, body: { config: { draft: 'x' } } });
    await api.call('POST', '/v1/jobs:run', '/v1/jobs:run', {
      token: alice,
      body: { agent_id: 'alice', submission_prefix: 'subs/v1', run_prefix: '../out' },
    });
    await api.call('GET', '/v1/jobs/{id}', '/v1/jobs/nope');
    expect(api.drift, api.drift.join('\n')).toEqual([]);
  });

  it('models: a pull, the listing with its installed model, settings with the machine, a delete', async () => {
    const org = organizerOf(hub);
    const pulled = await api.call<{ download: DownloadInfo }>('POST', '/v1/models/pull', '/v1/models/pull', {
      ...org,
      body: { repo: REPO, file: FILE },
    });
    expect(pulled.status).toBe(202);
    const id = pulled.body.download.id;
    await events.waitFor(
      (e) =>
        e.type === 'model.progress' &&
        eventData<DownloadInfo>(e).id === id &&
        eventData<DownloadInfo>(e).state === 'done',
      'the pull to finish',
    );
    const listed = await api.call<ModelsInfo>('GET', '/v1/models', '/v1/models');
    expect(listed.body.installed.length).toBe(1);
    await api.call('DELETE', '/v1/models/downloads/{id}', `/v1/models/downloads/${id}`, org);
    await api.call('DELETE', '/v1/models/downloads/{id}', '/v1/models/downloads/nope', org);
    await api.call('GET', '/v1/settings', '/v1/settings', org);
    await api.call('DELETE', '/v1/models/{id}', `/v1/models/${listed.body.installed[0]!.id}`, org);
    await api.call('DELETE', '/v1/models/{id}', '/v1/models/nope', org);
    expect(api.drift, api.drift.join('\n')).toEqual([]);
  });

  it('swarm: a spawned external agent, its status, its trace and its export', async () => {
    const org = organizerOf(hub);
    await api.call('GET', '/v1/swarm', '/v1/swarm');
    const spawned = await api.call<{ agents: SwarmAgentStatus[] }>('POST', '/v1/swarm/agents', '/v1/swarm/agents', {
      ...org,
      body: {
        kind: 'external',
        name: 'echo',
        command: `node -e 'console.log("measuring the q8 draft")' -- {prompt_file}`,
        accept_unsandboxed: true,
      },
    });
    expect(spawned.status, spawned.text).toBe(201);
    const agentId = spawned.body.agents[0]!.agent_id;
    await events.waitFor(
      (e) => {
        const agent = e.type === 'agent.status' ? eventData<{ agent: SwarmAgentStatus }>(e).agent : null;
        return agent?.agent_id === agentId && ['stopped', 'failed', 'backoff'].includes(agent.state);
      },
      `${agentId} to exit`,
      30_000,
    );
    await api.call('GET', '/v1/swarm', '/v1/swarm', org);
    await api.call('GET', '/v1/swarm', '/v1/swarm');
    await api.call('GET', '/v1/swarm/agents/{agent_id}/trace', `/v1/swarm/agents/${agentId}/trace`, org);
    await api.call('GET', '/v1/swarm/agents/{agent_id}/trace', '/v1/swarm/agents/nobody/trace', org);
    await api.call('POST', '/v1/swarm/agents/{agent_id}/trace/export', `/v1/swarm/agents/${agentId}/trace/export`, org);
    await api.call('POST', '/v1/swarm/agents/{agent_id}/{action}', `/v1/swarm/agents/${agentId}/stop`, org);
    await api.call('POST', '/v1/swarm/{action}', '/v1/swarm/stop', org);
    expect(api.drift, api.drift.join('\n')).toEqual([]);
  }, 60_000);
});
