// Local agents see the public frontier: the digest's public block and the agents' prompt, the public tools as the swarm and MCP clients call them, refs to public records that resolve; against the public-collab stand-in.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observation } from '../../src/agents/agent-prompt';
import { startMcpHttp, type RunningMcpHttp } from '../../src/agents/mcp-server';
import {
  agentTools,
  NOTHING_FOLLOWED,
  runTool,
  type AgentTool,
  type KnownNames,
  type ToolContext,
} from '../../src/agents/tools/agent-tools';
import type { ChannelsDigest } from '../../src/shared/channels-api';
import type { MirroredCollab, MirroredRecord } from '../../src/shared/mirror-api';
import { createMirrorService } from '../../src/sync/mirror-service';
import { startHfBucketStandin, type HfBucketStandin } from '../helpers/hf-bucket-standin';
import { startPublicCollabStandin, type PublicCollabStandin } from '../helpers/public-collab-standin';
import { startTestHub, type TestHub } from '../helpers/test-hub';

const ORG = 'gemma-challenge';
const ID = `${ORG}/gemma`;

let hf: HfBucketStandin;
let collab: PublicCollabStandin;
let hub: TestHub;
let mcp: RunningMcpHttp;
let alice: ToolContext;
let aliceToken: string;
let publicResults: string[];
let publicMessages: string[];
const clients: Client[] = [];

/** The swarm's way: the tool list a local agent or an MCP session gets, run through runTool. */
const tools = (known?: KnownNames): AgentTool[] => agentTools(null, known);

/** Answers as long as an MCP client's (8000 characters): a local agent's are cut at 1500, and say so. */
async function use(name: string, args: Record<string, unknown>, known?: KnownNames): Promise<any> {
  const out = await runTool(tools(known), name, args, alice, { maxChars: 8000 });
  expect(out.ok, out.ok ? '' : out.error).toBe(true);
  return JSON.parse((out as { result: string }).result);
}

async function refusal(name: string, args: Record<string, unknown>): Promise<string> {
  const out = await runTool(tools(), name, args, alice);
  expect(out.ok).toBe(false);
  return (out as { error: string }).error;
}

/** An MCP session as an agent CLI opens one, over streamable HTTP with alice's token. */
async function mcpClient(): Promise<Client> {
  const client = new Client({ name: 'vitest', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(mcp.url), {
      requestInit: { headers: { Authorization: `Bearer ${aliceToken}` } },
    }),
  );
  clients.push(client);
  return client;
}

const textOf = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

beforeAll(async () => {
  hf = await startHfBucketStandin({ users: [] });
  collab = await startPublicCollabStandin({ hf, org: ORG, slug: 'gemma' });
  collab.setReadme('# Gemma speed challenge\n\nRank by tps on a10g-small.\n');
  publicMessages = collab.seedMessages(8, { agents: ['ada', 'bo'], body: (i) => `public finding ${i}` });
  publicResults = collab.seedResults(7, {
    agents: ['ada', 'bo', 'cy'],
    score: (i) => 100 + i,
    method: (i) => `draft depth ${i}`,
  });
  collab.setVerification(publicResults.at(-1)!, 'valid');
  hub = await startTestHub();
  // Passes run when a test asks for one (refresh answers once it has ended), never on a timer mid-test.
  const mirror = createMirrorService({
    record: hub.running.hub.mirrorRecord,
    hfEndpoint: hf.url,
    pollMs: 600_000,
    maxBackoffMs: 600_000,
  });
  hub.running.attachMirror(mirror);
  mirror.start();
  aliceToken = await hub.register('alice');
  alice = { hub: hub.client(aliceToken), agentId: 'alice' };
  mcp = await startMcpHttp({ hubUrl: hub.url, port: 0 });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await mcp?.close();
  await hub?.stop(true);
  await collab?.close();
  await hf?.close();
});

describe('nothing followed', () => {
  it('the public tools say so in words, to the swarm and over MCP; the digest has no public block', async () => {
    expect(await refusal('public_leaderboard', { collab: '', limit: 5 })).toContain(NOTHING_FOLLOWED);
    expect(await refusal('public_records', { kind: 'result', collab: '', limit: 5 })).toContain(
      'no public collab is followed; the organizer can follow one with collab-desk sync follow',
    );
    const client = await mcpClient();
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['public_leaderboard', 'public_records']));
    const answer = await client.callTool({ name: 'public_leaderboard', arguments: { collab: '', limit: 5 } });
    expect(answer.isError).toBe(true);
    expect(textOf(answer)).toContain(NOTHING_FOLLOWED);
    // A local agent is offered no public tool while nothing is followed: its steps go to tools that can help.
    const digest = await alice.hub.digest('alice');
    expect(digest.public).toEqual([]);
    expect(tools({ channels: [], messages: [], results: [], publicCollabs: [] }).map((t) => t.name)).not.toContain(
      'public_records',
    );
  });
});

describe('a followed public collab', () => {
  let followed: MirroredCollab;
  beforeAll(async () => {
    const res = await hub.call<MirroredCollab>('POST', '/v1/mirror', {
      token: hub.organizerToken,
      body: { target: collab.apiUrl },
    });
    expect(res.status, res.text).toBe(201);
    const pass = await hub.call<MirroredCollab>('POST', `/v1/mirror/${ID}/refresh`, { token: hub.organizerToken });
    expect(pass.status, pass.text).toBe(200);
    followed = pass.body;
    expect(followed).toMatchObject({ problem: null, counts: { message: 8, result: 7 } });
    expect(followed.caught_up_at).not.toBeNull();
  }, 60_000);

  it("the digest's public block: origin, age, top rows, newest results and messages; the agent's prompt shows it", async () => {
    const digest: ChannelsDigest = await alice.hub.digest('alice');
    expect(digest.public).toHaveLength(1);
    const p = digest.public[0]!;
    expect(p).toMatchObject({ origin: ID, api_url: collab.apiUrl, score_field: 'tps', problem: null });
    expect(p.caught_up_at).toBe(followed.caught_up_at);
    expect(p.leaderboard.length).toBe(3);
    expect(p.leaderboard[0]).toMatchObject({ rank: 1, score: 106, filename: publicResults.at(-1) });
    expect(p.recent_results.map((r) => r.filename)).toEqual([...publicResults].sort().reverse().slice(0, 5));
    expect(p.recent_messages.map((r) => r.filename)).toEqual([...publicMessages].sort().reverse().slice(0, 5));
    expect(p.recent_results[0]).toMatchObject({ origin: ID });

    const seen = observation({ digest, jobs: [], self: 'alice', memory: '(nothing yet)', step: 0 });
    expect(seen).toContain('Public frontier (read-only');
    expect(seen).toContain(`${ID} (read just now`);
    expect(seen).toContain(`#1 ada 106.0 tps draft depth 6 (valid)`);
    expect(seen).toContain(publicResults.at(-1));
  });

  it('public_leaderboard and public_records answer with the origin and public URL of every record', async () => {
    const board = await use('public_leaderboard', { collab: '', limit: 5 });
    expect(board).toMatchObject({ origin: ID, score: 'tps', order: 'desc' });
    expect(board.note).toContain("measured on that collab's hardware");
    expect(board.rows[0]).toMatchObject({
      origin: ID,
      rank: 1,
      agent: 'ada',
      score: 106,
      verification: 'valid',
      filename: publicResults.at(-1),
      url: `${collab.apiUrl}/v1/results/${publicResults.at(-1)}`,
    });

    const results = await use('public_records', { kind: 'result', collab: ID, limit: 5 });
    expect(results.origin).toBe(ID);
    expect(results.results).toHaveLength(5);
    for (const r of results.results) {
      expect(r.origin).toBe(ID);
      expect(r.url).toBe(`${collab.apiUrl}/v1/results/${r.filename}`);
    }
    expect(results.results[0]).toMatchObject({ filename: [...publicResults].sort().at(-1), tps: 106 });

    const messages = await use('public_records', { kind: 'message', collab: '', limit: 10 });
    expect(messages.messages.map((m: { filename: string }) => m.filename)).toEqual(
      [...publicMessages].sort().reverse(),
    );
    expect(messages.messages[0]).toMatchObject({
      origin: ID,
      url: `${collab.apiUrl}/v1/messages/${publicMessages.at(-1)}`,
    });

    expect(await refusal('public_records', { kind: 'result', collab: 'some/other', limit: 5 })).toContain(
      `"some/other" is not followed; the followed collabs are: ${ID}`,
    );
    // A local agent chooses among the followed collabs; what it may cite includes the public records it was shown.
    const local = tools({ channels: [], messages: [], results: [], publicCollabs: [ID] });
    const records = local.find((t) => t.name === 'public_records')!;
    expect(records.parameters.properties.collab).toMatchObject({ enum: ['', ID] });
    expect(records.description).toContain('read-only, measured on its hardware');
    expect(records.description).toContain('by its filename in refs');
  });

  it('over MCP: the public tools are read-only and answer with the origin', async () => {
    const client = await mcpClient();
    const { tools: listed } = await client.listTools();
    const board = listed.find((t) => t.name === 'public_leaderboard')!;
    expect(board.annotations?.readOnlyHint).toBe(true);
    expect(board.description).toContain('Cite a row by its filename in refs');
    const answer = await client.callTool({
      name: 'public_records',
      arguments: { kind: 'result', collab: '', limit: 5 },
    });
    expect(answer.isError, textOf(answer)).toBe(false);
    expect(JSON.parse(textOf(answer)).results[0]).toMatchObject({ origin: ID });
  });

  it('resolves a public filename to its record, and an unknown one to 404 NOT_FOUND', async () => {
    const name = publicResults[2]!;
    const found = await hub.call<MirroredRecord>('GET', `/v1/mirror/resolve/${name}`);
    expect(found.status, found.text).toBe(200);
    expect(found.body).toMatchObject({
      origin: ID,
      filename: name,
      url: `${collab.apiUrl}/v1/results/${name}`,
      frontmatter: { tps: 102 },
    });
    const message = await hub.call<MirroredRecord>('GET', `/v1/mirror/resolve/${publicMessages[0]}`);
    expect(message.body).toMatchObject({ origin: ID, url: `${collab.apiUrl}/v1/messages/${publicMessages[0]}` });
    const unknown = await hub.call('GET', '/v1/mirror/resolve/20200101-000000_nobody.md');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
  });

  it('a local message citing a public result: the hub keeps the ref, and it resolves to the public record', async () => {
    const cited = publicResults.at(-1)!;
    const known: KnownNames = {
      channels: [],
      messages: [],
      results: [cited],
      publicCollabs: [ID],
    };
    const posted = await use(
      'post',
      { body: `Building on ${ID}'s best run (public work).`, channel: '', reply_to: '', refs: [cited] },
      known,
    );
    const stored = await alice.hub.message(posted.filename);
    expect(stored.frontmatter.refs).toEqual([cited]);
    const ref = await hub.call<MirroredRecord>('GET', `/v1/mirror/resolve/${(stored.frontmatter.refs as string[])[0]}`);
    expect(ref.status).toBe(200);
    expect(ref.body).toMatchObject({ origin: ID, filename: cited, verification: 'valid' });
    // The agents' read tool for one record falls back to the public copy, and says where it came from.
    const read = await use('read_result', { filename: cited });
    expect(read).toMatchObject({ origin: ID, filename: cited, url: `${collab.apiUrl}/v1/results/${cited}` });
    expect(read.note).toContain('not of this hub');
    const missing = await runTool(tools(), 'read_result', { filename: '20200101-000000_nobody.md' }, alice);
    expect(missing).toMatchObject({ ok: false });
    expect((missing as { error: string }).error).toMatch(/^NOT_FOUND/);
  });
});
