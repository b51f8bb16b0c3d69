// The public agent-collab stand-in speaks the huggingface/agent-collabs wire protocol: registration in both generations with every error in check order, promotes, limits, artifacts, traces, jobs, faults.
import { createRepo, downloadFile, uploadFiles } from '@huggingface/hub';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHfBucketStandin, type HfBucketStandin } from '../helpers/hf-bucket-standin';
import { startPublicCollabStandin, type PublicCollabStandin } from '../helpers/public-collab-standin';

const ORG = 'gemma-challenge';
const ALICE = 'hf_aliceCollabTokenDoNotPrint';
const BOB = 'hf_bobCollabTokenDoNotPrint';
const CAROL = 'hf_carolOutsiderTokenDoNotPrint';
const DAVE = 'hf_daveReadOnlyTokenDoNotPrint';
const ERIN = 'hf_erinOutsiderTokenDoNotPrint';
const INVITE = 'https://huggingface.co/organizations/gemma-challenge/share/abc123';

let hf: HfBucketStandin;
/** handshake registration, ppl required, jobs off. */
let legacy: PublicCollabStandin;
/** server-created buckets, jobs on (one per agent per day). */
let modern: PublicCollabStandin;
/** handshake registration with tiny write limits. */
let tight: PublicCollabStandin;

interface Answer {
  status: number;
  headers: Headers;
  body: any; // wire JSON, checked field by field
  text: string;
}

async function call(c: PublicCollabStandin, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${c.apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // An HTML or plain-text answer (the Space's front, an unhandled exception): kept as text.
  }
  return { status: res.status, headers: res.headers, body: parsed, text } as Answer;
}
const post = (c: PublicCollabStandin, path: string, body: unknown, token?: string) =>
  call(c, 'POST', path, body, token);
const get = (c: PublicCollabStandin, path: string, token?: string) => call(c, 'GET', path, undefined, token);

const reg = (agentId: string, extra: Record<string, unknown> = {}) => ({
  agent_id: agentId,
  model: 'gemma-4-e2b',
  harness: 'claude-code',
  tools: ['bash', 'hf'],
  ...extra,
});

/** An agent's scratch bucket made and filled through @huggingface/hub, as an agent does with `hf buckets`. */
async function scratch(token: string, bucket: string, files: Record<string, string | Buffer> = {}) {
  const repo = { type: 'bucket' as const, name: bucket };
  if (!hf.bucket(bucket)) await createRepo({ repo, accessToken: token, hubUrl: hf.url });
  const entries = Object.entries(files);
  if (entries.length)
    await uploadFiles({
      repo,
      files: entries.map(([path, c]) => ({ path, content: new Blob([new Uint8Array(Buffer.from(c))]) })),
      accessToken: token,
      hubUrl: hf.url,
    });
}

const result = (fm: Record<string, unknown>, body = 'Speculative decoding with a 2-layer draft.\n') =>
  `---\n${Object.entries(fm)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join('\n')}\n---\n\n${body}`;
const GOOD = { tps: 42.5, ppl: 9.8, method: 'spec-decode', status: 'agent-run', description: 'draft model, k=4' };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  hf = await startHfBucketStandin({
    users: [
      { name: 'alice', token: ALICE, orgs: [{ name: ORG, role: 'write' }] },
      { name: 'bob', token: BOB, orgs: [{ name: ORG, role: 'write' }] },
      { name: 'carol', token: CAROL },
      { name: 'dave', token: DAVE, orgs: [{ name: ORG, role: 'read' }] },
      { name: 'erin', token: ERIN },
    ],
  });
  legacy = await startPublicCollabStandin({ hf, requiredFields: ['ppl'], limits: { registrationPerMinute: 10 } });
  modern = await startPublicCollabStandin({
    hf,
    slug: 'gemma2',
    registration: 'server-creates',
    jobs: true,
    inviteUrl: INVITE,
    limits: { jobsPerAgentPerDay: 1 },
  });
  tight = await startPublicCollabStandin({
    hf,
    slug: 'tight',
    limits: { bucketWriteBurst: 2, rawMessagePerMinute: 2, syncMaxFiles: 2 },
  });
  // alice's agent on the legacy collab, registered the older way: bucket and handshake first.
  await scratch(ALICE, `${ORG}/gemma-alpha`, { '.bucket-sync-handshake': 'alice\n' });
  expect((await post(legacy, '/v1/agents/register', reg('alpha'), ALICE)).status).toBe(201);
  await scratch(ALICE, `${ORG}/tight-tee`, { '.bucket-sync-handshake': 'alice' });
  expect((await post(tight, '/v1/agents/register', reg('tee'), ALICE)).status).toBe(201);
});
afterAll(async () => {
  await Promise.all([legacy, modern, tight].filter(Boolean).map((c) => c.close()));
  await hf?.close();
});

describe('discovery', () => {
  it('describes itself at /v1 as digest.py does, with its dashboard config and liveness', async () => {
    const d = await get(modern, '/v1');
    expect(d.body).toMatchObject({
      service: 'bucket-sync',
      collab: 'gemma2',
      org: ORG,
      central_bucket: `${ORG}/gemma2-main-bucket`,
      score_field: 'tps',
      score_order: 'desc',
    });
    expect(d.body.conventions.results_frontmatter).toMatch(/^required: tps, method, status, description;/);
    expect(d.body.endpoints).toContainEqual(expect.objectContaining({ method: 'POST', path: '/v1/jobs:run' }));
    expect((await get(legacy, '/v1')).body.endpoints.map((e: { path: string }) => e.path)).not.toContain(
      '/v1/jobs:run',
    );
    expect((await get(legacy, '/v1/healthz')).body).toEqual({ status: 'ok' });
    const config = (await (await fetch(`${modern.dashboardUrl}/api/config`)).json()) as Record<string, unknown>;
    expect(config).toMatchObject({ api_url: modern.apiUrl, invite_url: INVITE, bucket: modern.centralBucket });
  });
});

describe('registration with a handshake (older servers)', () => {
  it('registers an agent whose bucket holds the handshake, and lists it', async () => {
    const listed = await get(legacy, '/v1/agents?expand=true');
    expect(listed.body).toMatchObject({ count: 1, matched: 1, next: null });
    expect(listed.body.items[0]).toMatchObject({
      agent_id: 'alpha',
      hf_user: 'alice',
      model: 'gemma-4-e2b',
      harness: 'claude-code',
      tools: ['bash', 'hf'],
      agent_bucket: `${ORG}/gemma-alpha`,
    });
    expect(legacy.agents().map((a) => a.path)).toEqual(['agents/alpha.md']);
    expect((await get(legacy, '/v1/agents')).body.items).toEqual(['alpha.md']);
  });

  it('checks the agent_id first: a bad id without a token is INVALID_PATH, and human-* is reserved', async () => {
    const bad = await post(legacy, '/v1/agents/register', reg('Alpha'));
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: { code: 'INVALID_PATH', message: "agent_id must be lowercase: 'Alpha'", hint: "use 'alpha' instead" },
    });
    const human = await post(legacy, '/v1/agents/register', reg('human-alice'), ALICE);
    expect(human.body.error.code).toBe('INVALID_PATH');
    const unparsable = await post(legacy, '/v1/agents/register', { agent_id: 'x' });
    expect(unparsable.status).toBe(422);
    expect(unparsable.body.detail.map((d: { loc: string[] }) => d.loc[1])).toEqual(['model', 'harness']);
  });

  it('limits registration per agent_id before looking at the bucket: RATE_LIMITED with Retry-After', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await post(tight, '/v1/agents/register', reg('ghost'))).status);
    expect(codes).toEqual([412, 412, 412]);
    const limited = await post(tight, '/v1/agents/register', reg('ghost'));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.body.error).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('answers BUCKET_MISSING (412) with the create command, before asking for a token', async () => {
    const missing = await post(legacy, '/v1/agents/register', reg('nobucket'));
    expect(missing.status).toBe(412);
    expect(missing.body.error).toEqual({
      code: 'BUCKET_MISSING',
      message: `scratch bucket '${ORG}/gemma-nobucket' does not exist`,
      hint: `run: hf buckets create ${ORG}/gemma-nobucket`,
    });
  });

  it('answers UNAUTHORIZED without a token and for a token the Hub does not know', async () => {
    await scratch(BOB, `${ORG}/gemma-bravo`);
    const none = await post(legacy, '/v1/agents/register', reg('bravo'));
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'missing Authorization: Bearer <hf_token>',
    });
    const unknown = await post(legacy, '/v1/agents/register', reg('bravo'), 'hf_nobody');
    expect(unknown.body.error.message).toBe('could not resolve caller identity via whoami; check your token');
    expect(hf.requests.some((r) => r.kind === 'whoami' && r.status === 401)).toBe(true);
  });

  it('answers BUCKET_NOT_OWNED_BY_CALLER for a missing or foreign handshake', async () => {
    const missing = await post(legacy, '/v1/agents/register', reg('bravo'), BOB);
    expect(missing.status).toBe(403);
    expect(missing.body.error).toEqual({
      code: 'BUCKET_NOT_OWNED_BY_CALLER',
      message: 'handshake file missing in scratch bucket',
      hint: `echo 'bob' > /tmp/h && hf buckets cp /tmp/h hf://buckets/${ORG}/gemma-bravo/.bucket-sync-handshake`,
    });
    await scratch(BOB, `${ORG}/gemma-bravo`, { '.bucket-sync-handshake': 'alice' });
    const foreign = await post(legacy, '/v1/agents/register', reg('bravo'), BOB);
    expect(foreign.body.error.message).toBe("handshake content 'alice' does not match caller hf_user 'bob'");
  });

  it('answers IDENTITY_MISMATCH to another user, AGENT_ID_TAKEN to the owner unless force', async () => {
    // bob may write every org bucket on this Hub, so he can put his name in alpha's handshake; the registration still binds alice.
    hf.putFile(`${ORG}/gemma-alpha`, '.bucket-sync-handshake', 'bob');
    const other = await post(legacy, '/v1/agents/register', reg('alpha'), BOB);
    expect(other.status).toBe(403);
    expect(other.body.error).toEqual({
      code: 'IDENTITY_MISMATCH',
      message: "agent_id 'alpha' is registered to 'alice', not 'bob'",
    });
    hf.putFile(`${ORG}/gemma-alpha`, '.bucket-sync-handshake', 'alice');
    const taken = await post(legacy, '/v1/agents/register', reg('alpha'), ALICE);
    expect(taken.status).toBe(409);
    expect(taken.body.error).toEqual({
      code: 'AGENT_ID_TAKEN',
      message: "agent_id 'alpha' is already registered to another hf_user",
      hint: 'pick a different agent_id',
    });
    const forced = await post(
      legacy,
      '/v1/agents/register',
      reg('alpha', { force: true, model: 'gemma-4-e4b' }),
      ALICE,
    );
    expect(forced.status).toBe(201);
    expect(forced.body).toEqual({ filename: 'alpha.md', agent_bucket: `${ORG}/gemma-alpha`, hf_user: 'alice' });
  });
});

describe('registration that creates the bucket (newer servers)', () => {
  it('creates the bucket with the caller token and writes the handshake', async () => {
    expect(hf.bucket(`${ORG}/gemma2-beta`)).toBeNull();
    const ok = await post(modern, '/v1/agents/register', reg('beta'), ALICE);
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({ filename: 'beta.md', agent_bucket: `${ORG}/gemma2-beta`, hf_user: 'alice' });
    expect(hf.files(`${ORG}/gemma2-beta`).get('.bucket-sync-handshake')?.toString()).toBe('alice');
    expect(hf.requests.some((r) => r.kind === 'bucket-create' && r.path === `/api/buckets/${ORG}/gemma2-beta`)).toBe(
      true,
    );
  });

  it('checks the token right after the agent_id: no token is UNAUTHORIZED even with no bucket', async () => {
    expect((await post(modern, '/v1/agents/register', reg('Beta'))).body.error.code).toBe('INVALID_PATH');
    const none = await post(modern, '/v1/agents/register', reg('newcomer'));
    expect(none.status).toBe(401);
    expect(none.body.error.hint).toBe('pass your HF token: -H "authorization: Bearer $(hf auth token 2>/dev/null)"');
  });

  it('answers NOT_ORG_MEMBER with the invite link, and registers once the user joined', async () => {
    const outsider = await post(modern, '/v1/agents/register', reg('carolbot'), CAROL);
    expect(outsider.status).toBe(403);
    expect(outsider.body.error).toEqual({
      code: 'NOT_ORG_MEMBER',
      message: `'carol' is not a member of the '${ORG}' org; accept the invite at ${INVITE}, then retry`,
      hint: `\`hf auth whoami\` must list ${ORG} under orgs`,
    });
    modern.addMember('carol', ORG, 'write');
    expect((await post(modern, '/v1/agents/register', reg('carolbot'), CAROL)).status).toBe(201);
  });

  it('limits registration per verified user, before the membership check', async () => {
    const codes: number[] = [];
    for (const id of ['e1', 'e2', 'e3', 'e4'])
      codes.push((await post(modern, '/v1/agents/register', reg(id), ERIN)).status);
    expect(codes).toEqual([403, 403, 403, 429]);
  });

  it('answers BUCKET_CREATE_FORBIDDEN when the token may not create the bucket', async () => {
    const refused = await post(modern, '/v1/agents/register', reg('davebot'), DAVE);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('BUCKET_CREATE_FORBIDDEN');
    expect(refused.body.error.message).toBe(`your token could not create the scratch bucket '${ORG}/gemma2-davebot'`);
    expect(hf.bucket(`${ORG}/gemma2-davebot`)).toBeNull();
  });

  it('answers HUB_UNAVAILABLE (503, Retry-After 30) when whoami fails upstream; nothing registered', async () => {
    hf.inject({ kind: 'whoami', status: 503 });
    const down = await post(modern, '/v1/agents/register', reg('bobbot'), BOB);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('30');
    expect(down.body.error.code).toBe('HUB_UNAVAILABLE');
    expect(modern.agents().map((a) => a.filename)).not.toContain('bobbot.md');
  });

  it('answers BUCKET_NOT_YOURS, IDENTITY_MISMATCH and AGENT_ID_TAKEN (newer wording)', async () => {
    hf.addBucket(`${ORG}/gemma2-gamma`);
    hf.putFile(`${ORG}/gemma2-gamma`, '.bucket-sync-handshake', 'alice');
    const claimed = await post(modern, '/v1/agents/register', reg('gamma'), BOB);
    expect(claimed.body.error).toEqual({
      code: 'BUCKET_NOT_YOURS',
      message: `'${ORG}/gemma2-gamma' is claimed by 'alice' (its handshake), not 'bob'`,
      hint: 'that bucket belongs to someone else; pick another agent_id',
    });
    expect((await post(modern, '/v1/agents/register', reg('beta'), BOB)).body.error.code).toBe('IDENTITY_MISMATCH');
    const taken = await post(modern, '/v1/agents/register', reg('beta'), ALICE);
    expect(taken.body.error).toMatchObject({
      code: 'AGENT_ID_TAKEN',
      message: "agent_id 'beta' is already registered to you",
      hint: 'pass force: true to update',
    });
  });
});

describe('promoting results', () => {
  let first = '';

  it('promotes a result file from the scratch bucket, stamped by the server, onto the leaderboard', async () => {
    await scratch(ALICE, `${ORG}/gemma-alpha`, { 'results/r1.md': result(GOOD) });
    const ok = await post(legacy, '/v1/results', { source: `hf://buckets/${ORG}/gemma-alpha/results/r1.md` });
    expect(ok.status).toBe(201);
    expect(ok.body.filename).toMatch(/^\d{8}-\d{6}-\d{3}_alpha\.md$/);
    expect(ok.body).toEqual({ filename: ok.body.filename, via: 'bucket', path: `results/${ok.body.filename}` });
    first = ok.body.filename as string;
    const [rec] = legacy.results();
    expect(rec!.frontmatter).toMatchObject({ ...GOOD, agent: 'alpha', via: 'bucket' });
    expect(rec!.body).toBe('Speculative decoding with a 2-layer draft.\n');
    const listed = await get(legacy, '/v1/results?expand=true');
    expect(listed.body).toMatchObject({ count: 1, matched: 1, next: null });
    expect(listed.body.items[0]).toMatchObject({ filename: first, verification: 'pending' });
    const board = await get(legacy, '/v1/leaderboard');
    expect(board.body.rows[0]).toMatchObject({ rank: 1, agent: 'alpha', hf_user: 'alice', score: 42.5 });
  });

  it('refuses the same bytes again with ALREADY_PROMOTED naming the existing filename', async () => {
    await scratch(ALICE, `${ORG}/gemma-alpha`, { 'results/r1-copy.md': result(GOOD) });
    const again = await post(legacy, '/v1/results', { source: `hf://buckets/${ORG}/gemma-alpha/results/r1-copy.md` });
    expect(again.status).toBe(409);
    expect(again.body.error).toEqual({
      code: 'ALREADY_PROMOTED',
      message: 'identical content was already promoted',
      hint: `existing filename: ${first}`,
    });
  });

  it('refuses a result without the score field, with a bad score, or without a required field', async () => {
    const { tps: _tps, ...noScore } = GOOD;
    const { ppl: _ppl, ...noPpl } = GOOD;
    hf.putFile(`${ORG}/gemma-alpha`, 'results/a.md', result(noScore));
    hf.putFile(`${ORG}/gemma-alpha`, 'results/b.md', result({ ...GOOD, tps: -3 }));
    hf.putFile(`${ORG}/gemma-alpha`, 'results/c.md', result(noPpl));
    const src = (f: string) => ({ source: `hf://buckets/${ORG}/gemma-alpha/results/${f}` });
    const a = await post(legacy, '/v1/results', src('a.md'));
    expect(a.status).toBe(400);
    expect(a.body.error).toEqual({
      code: 'INVALID_FRONTMATTER',
      message: 'result frontmatter missing required field: tps',
    });
    expect((await post(legacy, '/v1/results', src('b.md'))).body.error.message).toBe(
      '`tps` must be a positive number (tokens/s)',
    );
    expect((await post(legacy, '/v1/results', src('c.md'))).body.error.message).toBe(
      'result frontmatter missing required field: ppl',
    );
    expect(legacy.results()).toHaveLength(1);
  });

  it('takes identity from the source bucket: other orgs and non-agent buckets are INVALID_PATH, others NOT_REGISTERED', async () => {
    const foreign = await post(legacy, '/v1/results', { source: 'hf://buckets/other-org/gemma-alpha/results/r1.md' });
    expect(foreign.body.error).toMatchObject({
      code: 'INVALID_PATH',
      hint: 'agents post from buckets in this org only',
    });
    const notAgent = await post(legacy, '/v1/results', { source: `hf://buckets/${ORG}/scratch/r.md` });
    expect(notAgent.body.error.message).toBe("source bucket 'scratch' does not match 'gemma-<agent_id>'");
    const unregistered = await post(legacy, '/v1/results', { source: `hf://buckets/${ORG}/gemma-bravo/r.md` });
    expect(unregistered.status).toBe(404);
    expect(unregistered.body.error.code).toBe('NOT_REGISTERED');
  });

  it('answers 429 with Retry-After once the source bucket spent its burst', async () => {
    const bucket = `${ORG}/tight-tee`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      hf.putFile(bucket, `results/${i}.md`, result({ ...GOOD, tps: 10 + i }));
      statuses.push((await post(tight, '/v1/results', { source: `hf://buckets/${bucket}/results/${i}.md` })).status);
    }
    expect(statuses).toEqual([201, 201, 429]);
    await expect.poll(() => tight.requests.filter((r) => r.path === '/v1/results').pop()?.status).toBe(429);
  });
});

describe('messages', () => {
  it('posts raw and bucket-sourced messages, with inbox copies for @-mentions of registered agents', async () => {
    const raw = await post(legacy, '/v1/messages', { agent_id: 'alpha', body: 'trying k=6 next, @bravo @alpha' });
    expect(raw.status).toBe(201);
    expect(raw.body).toMatchObject({ via: 'raw', mentions_delivered: [], broadcast: false });
    hf.putFile(`${ORG}/gemma-alpha`, 'notes/m1.md', '---\ntype: idea\n---\nsee the result\n');
    const sourced = await post(legacy, '/v1/messages', { source: `hf://buckets/${ORG}/gemma-alpha/notes/m1.md` });
    expect(sourced.body).toMatchObject({ via: 'bucket', path: `message_board/${sourced.body.filename}` });
    const listed = await get(legacy, '/v1/messages?expand=true&order=asc');
    expect(listed.body.items.map((m: { frontmatter: { via: string } }) => m.frontmatter.via)).toEqual([
      'raw',
      'bucket',
    ]);
    expect(legacy.messages()[1]!.frontmatter).toMatchObject({ type: 'idea', agent: 'alpha' });
    const both = await post(legacy, '/v1/messages', { agent_id: 'alpha', body: 'x', source: 'hf://buckets/a/b/c' });
    expect(both.status).toBe(422);
  });

  it('limits raw messages per agent_id with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await post(tight, '/v1/messages', { agent_id: 'tee', body: `ping ${i}` })).status);
    expect(statuses).toEqual([201, 201, 429]);
    expect((await post(tight, '/v1/messages', { agent_id: 'nobody', body: 'hi' })).body.error.code).toBe(
      'NOT_REGISTERED',
    );
  });
});

describe('artifacts:sync', () => {
  it('copies a folder into artifacts/<slug>_<agent>/ byte for byte, served by the Hub', async () => {
    const weights = randomBytes(300 * 1024);
    const log = Buffer.from('step 1 loss 2.3\nstep 2 loss 2.1\n');
    await scratch(ALICE, `${ORG}/gemma-alpha`, { 'runs/exp1/draft.bin': weights, 'runs/exp1/logs/train.txt': log });
    const ok = await post(legacy, '/v1/artifacts:sync', {
      source: `hf://buckets/${ORG}/gemma-alpha/runs/exp1/`,
      dest_slug: 'draft-k4',
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      dest: 'artifacts/draft-k4_alpha/',
      files: [
        { src_path: 'runs/exp1/draft.bin', dest_path: 'artifacts/draft-k4_alpha/draft.bin', bytes: weights.length },
        {
          src_path: 'runs/exp1/logs/train.txt',
          dest_path: 'artifacts/draft-k4_alpha/logs/train.txt',
          bytes: log.length,
        },
      ],
      bytes_copied: weights.length + log.length,
    });
    expect(sha(legacy.artifacts().get('artifacts/draft-k4_alpha/draft.bin')!)).toBe(sha(weights));
    const served = await downloadFile({
      repo: { type: 'bucket', name: legacy.centralBucket },
      path: 'artifacts/draft-k4_alpha/draft.bin',
      hubUrl: hf.url,
    });
    expect(sha(Buffer.from(await served!.arrayBuffer()))).toBe(sha(weights));
    expect(
      (await post(legacy, '/v1/artifacts:sync', { source: ok.body.dest, dest_slug: 'Bad_Slug' })).body.error,
    ).toMatchObject({ code: 'INVALID_PATH', message: "invalid slug: 'Bad_Slug'" });
  });

  it('refuses more files than the cap with SYNC_TOO_LARGE (413)', async () => {
    // A fresh agent: tee's bucket spent its write burst above, and the limiter comes before the caps (sync.py).
    await scratch(BOB, `${ORG}/tight-tango`, { '.bucket-sync-handshake': 'bob' });
    expect((await post(tight, '/v1/agents/register', reg('tango'), BOB)).status).toBe(201);
    for (const f of ['a', 'b', 'c']) hf.putFile(`${ORG}/tight-tango`, `many/${f}.txt`, f);
    const big = await post(tight, '/v1/artifacts:sync', {
      source: `hf://buckets/${ORG}/tight-tango/many`,
      dest_slug: 'x',
    });
    expect(big.status).toBe(413);
    expect(big.body.error).toEqual({ code: 'SYNC_TOO_LARGE', message: '3 files exceeds cap of 2' });
  });
});

describe('traces', () => {
  const manifest = (session: string) =>
    `---\nschema_version: 1\nharness: claude-code\nsession_id: ${session}\nmodel: claude\nnative_log_file: session.jsonl\nusage:\n  total_tokens: 1200\nactivity:\n  tool_calls: 7\n---\n\nTried k=4.\n`;

  it('promotes a full trace: the stamped manifest and the declared native log, byte for byte', async () => {
    const logBytes = Buffer.from('{"type":"user"}\n{"type":"assistant"}\n');
    await scratch(ALICE, `${ORG}/gemma-alpha`, {
      'traces/s1/manifest.md': manifest('s1'),
      'traces/s1/session.jsonl': logBytes,
      'traces/s1/stale.jsonl': 'old',
    });
    const ok = await post(legacy, '/v1/traces', {
      source: `hf://buckets/${ORG}/gemma-alpha/traces/s1/`,
      share: 'full',
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({
      session_id: 's1',
      agent: 'alpha',
      share: 'full',
      path: 'traces/alpha/s1/',
      files_copied: 1,
      bytes_copied: logBytes.length,
      completeness: 'full',
    });
    const traces = legacy.traces();
    expect([...traces.keys()].sort()).toEqual(['traces/alpha/s1/manifest.md', 'traces/alpha/s1/session.jsonl']);
    expect(traces.get('traces/alpha/s1/session.jsonl')!.equals(logBytes)).toBe(true);
    expect(traces.get('traces/alpha/s1/manifest.md')!.toString()).toMatch(/share: full/);
  });

  it('refuses a manifest whose session_id is not its directory, and a source outside traces/', async () => {
    hf.putFile(`${ORG}/gemma-alpha`, 'traces/s2/manifest.md', manifest('other'));
    const wrong = await post(legacy, '/v1/traces', { source: `hf://buckets/${ORG}/gemma-alpha/traces/s2` });
    expect(wrong.body.error).toMatchObject({
      code: 'INVALID_PATH',
      message: 'trace manifest session_id must match the source directory',
    });
    const outside = await post(legacy, '/v1/traces', { source: `hf://buckets/${ORG}/gemma-alpha/runs/exp1` });
    expect(outside.body.error.message).toBe('source must point at your traces/<session>/ bundle dir');
    expect((await post(legacy, '/v1/traces', { source: 'x', share: 'all' })).status).toBe(422);
  });
});

describe('jobs:run', () => {
  const job = { agent_id: 'beta', submission_prefix: 'submissions/v1', run_prefix: 'runs/j1' };

  it('checks the bearer and the handshake before launching, and is off where jobs are disabled', async () => {
    expect((await post(legacy, '/v1/jobs:run', { ...job, agent_id: 'alpha' }, ALICE)).body.error.code).toBe(
      'JOBS_DISABLED',
    );
    expect((await post(modern, '/v1/jobs:run', job)).body.error.code).toBe('UNAUTHORIZED');
    const bob = await post(modern, '/v1/jobs:run', job, BOB);
    expect(bob.status).toBe(403);
    expect(bob.body.error.message).toBe("handshake content 'alice' does not match caller hf_user 'bob'");
    expect((await post(modern, '/v1/jobs:run', { ...job, agent_id: 'zeta' }, ALICE)).body.error.code).toBe(
      'NOT_REGISTERED',
    );
    expect(modern.jobs()).toEqual([]);
  });

  it('launches (202), writes status, logs and summary into the run prefix, then holds the daily quota', async () => {
    const launched = await post(modern, '/v1/jobs:run', job, ALICE);
    expect(launched.status).toBe(202);
    expect(launched.body).toMatchObject({
      agent_id: 'beta',
      hf_user: 'alice',
      run_bucket: `${ORG}/gemma2-beta`,
      run_prefix: 'runs/j1',
      status: 'launched',
      status_file: `hf://buckets/${ORG}/gemma2-beta/runs/j1/job_status.json`,
      logs_file: `hf://buckets/${ORG}/gemma2-beta/runs/j1/job_logs.txt`,
      quota: { agent_remaining: 0, user_remaining: 29 },
    });
    const started = await modern.nextJob();
    expect(started.jobId).toBe(launched.body.job_id);
    const status = () => JSON.parse(hf.files(`${ORG}/gemma2-beta`).get('runs/j1/job_status.json')!.toString());
    expect(status()).toMatchObject({ status: 'running', job_id: started.jobId, agent_id: 'beta' });
    modern.finishJob(started.jobId, { summary: { tps: 51.2, ppl: 9.7 }, logs: 'tps=51.2\n' });
    const files = hf.files(`${ORG}/gemma2-beta`);
    expect(JSON.parse(files.get('runs/j1/summary.json')!.toString())).toEqual({ tps: 51.2, ppl: 9.7 });
    expect(files.get('runs/j1/job_logs.txt')!.toString()).toBe('tps=51.2\n');
    expect(status()).toMatchObject({ status: 'completed', message: 'benchmark completed; see summary.json' });
    const over = await post(modern, '/v1/jobs:run', { ...job, run_prefix: 'runs/j2' }, ALICE);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(86_000);
    expect(over.body.error.message).toMatch(/^agent 'beta' has hit its limit of 1 jobs per 24h; retry after \d+s$/);
  });
});

describe('faults', () => {
  it('injects 429 with Retry-After and 5xx answers, then recovers; the request log records them', async () => {
    modern.inject({ route: 'results', status: 429, retryAfter: 7 });
    const limited = await get(modern, '/v1/results');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    modern.inject({ route: 'any', status: 503, times: 2 });
    expect((await get(modern, '/v1/healthz')).status).toBe(503);
    const html = await get(modern, '/v1/results');
    expect([html.status, html.body]).toEqual([503, null]);
    modern.inject({ route: 'register', status: 500 });
    expect((await post(modern, '/v1/agents/register', reg('x'), ALICE)).text).toBe('Internal Server Error');
    expect((await get(modern, '/v1/results')).status).toBe(200);
    await expect.poll(() => modern.requests.slice(-5).map((r) => r.status)).toEqual([429, 503, 503, 500, 200]);
  });

  it('drops every connection while down, as an unreachable Space, and answers again after', async () => {
    tight.setDown(true);
    await expect(fetch(`${tight.apiUrl}/v1/healthz`)).rejects.toThrow();
    tight.setDown(false);
    tight.setLatency(20);
    const t0 = performance.now();
    expect((await get(tight, '/v1/healthz')).body).toEqual({ status: 'ok' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(15);
    tight.setLatency(0);
  });
});

describe('the read side a mirror follows (list grammar, leaderboard, channels, /v1/updates, seeding, cuts)', () => {
  /** A fresh collab per need, so counts are exact; closed at the end of the block. */
  const made: PublicCollabStandin[] = [];
  const fresh = async (extra: Partial<Parameters<typeof startPublicCollabStandin>[0]> = {}) => {
    const c = await startPublicCollabStandin({ hf, slug: `read${made.length}`, ...extra });
    made.push(c);
    return c;
  };
  afterAll(async () => {
    await Promise.all(made.map((c) => c.close()));
  });

  /** Every filename of a listing, page by page through `next` (before= for desc, after= for asc). */
  async function walk(c: PublicCollabStandin, path: string, order: 'asc' | 'desc', limit: number) {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const sep = path.includes('?') ? '&' : '?';
      const at: string = cursor === null ? '' : `&${order === 'desc' ? 'before' : 'after'}=${cursor}`;
      const page = await get(c, `${path}${sep}order=${order}&limit=${limit}${at}`);
      expect(page.status).toBe(200);
      seen.push(...(page.body.items as string[]));
      cursor = page.body.next;
      if (cursor === null) return seen;
    }
    throw new Error('the cursor never ended');
  }

  it('pages 25 messages and 25 results with exclusive cursors in both orders: no gap, no duplicate', async () => {
    const c = await fresh();
    const messages = c.seedMessages(25, { agents: ['ann', 'ben'] });
    const results = c.seedResults(25, { agents: ['ann', 'ben', 'cid'] });
    expect([...messages].sort()).toEqual(messages); // server stamps strictly increase
    expect(new Set(messages).size).toBe(25);
    expect(await walk(c, '/v1/messages', 'asc', 7)).toEqual(messages);
    expect(await walk(c, '/v1/messages', 'desc', 7)).toEqual([...messages].reverse());
    expect(await walk(c, '/v1/results', 'asc', 4)).toEqual(results);
    expect(await walk(c, '/v1/results', 'desc', 25)).toEqual([...results].reverse());
    // The default page is 10, newest first; the last page's next is null.
    const first = await get(c, '/v1/messages');
    expect(first.body).toMatchObject({ count: 25, matched: 25, next: messages[15] });
    expect(first.body.items).toEqual(messages.slice(15).reverse());
    const agents = await get(c, '/v1/agents');
    expect(agents.body).toEqual({ count: 3, matched: 3, items: ['ann.md', 'ben.md', 'cid.md'], next: null });
    expect(await walk(c, '/v1/agents', 'desc', 2)).toEqual(['cid.md', 'ben.md', 'ann.md']);
  });

  it('filters as listing.py: agent, type, via, q, since/until, expand (capped at 200); bad queries are refused', async () => {
    const c = await fresh();
    const names = c.seedMessages(12, {
      agents: ['ann', 'ben', 'cid'],
      body: (i) => `note ${i} ${i % 4 ? '' : 'KV-cache'}`,
    });
    const ann = await get(c, '/v1/messages?agent=ann&limit=0');
    expect(ann.body).toMatchObject({ count: 12, matched: 4, next: null });
    expect(ann.body.items).toEqual(names.filter((_, i) => i % 3 === 0).reverse());
    expect((await get(c, '/v1/messages?q=kv-cache&limit=0')).body.matched).toBe(3);
    expect((await get(c, '/v1/messages?q=via:%20raw')).body.matched).toBe(12); // q also reads "key: value"
    expect((await get(c, '/v1/messages?via=bucket')).body.matched).toBe(0);
    expect((await get(c, '/v1/messages?type=agent')).body.matched).toBe(12);
    const stampOf = (f: string) => f.slice(0, 19);
    const window = await get(c, `/v1/messages?since=${stampOf(names[3]!)}&until=${stampOf(names[5]!)}&order=asc`);
    expect(window.body.items).toEqual(names.slice(3, 6));
    const expanded = await get(c, `/v1/messages?expand=true&limit=1&agent=ben`);
    expect(expanded.body.items[0]).toEqual({
      filename: names[10],
      frontmatter: expect.objectContaining({ agent: 'ben', via: 'raw', type: 'agent' }),
      body: 'note 10 ', // write-through keeps the body as posted (read_model.write_through)
    });
    const one = await get(c, `/v1/messages/${names[0]}`);
    expect(one.body).toMatchObject({ filename: names[0], frontmatter: { agent: 'ann' } });
    expect((await get(c, '/v1/messages/nope.md')).body.error.code).toBe('NOT_FOUND');
    c.seedMessages(250, { agents: ['ann'] });
    expect((await get(c, '/v1/messages?expand=true&limit=0')).body.items).toHaveLength(200);
    expect((await get(c, '/v1/messages?limit=0')).body.items).toHaveLength(262);
    const badSince = await get(c, '/v1/messages?since=yesterday');
    expect([badSince.status, badSince.body.error.code]).toEqual([400, 'INVALID_QUERY']);
    const badLimit = await get(c, '/v1/messages?limit=ten');
    expect([badLimit.status, badLimit.body.detail[0].type]).toEqual([422, 'int_parsing']);
    expect((await get(c, '/v1/messages?agent=Ann')).body.error.code).toBe('INVALID_PATH');
  });

  it('ranks the leaderboard as leaderboard.py, with the verification filter, and carries verdicts into results', async () => {
    const c = await fresh();
    const [a1, b1, a2, c1, b2] = c.seedResults(5, {
      agents: ['ann', 'ben', 'ann', 'cid', 'ben'],
      score: (i) => [50, 60, 70, 65, 60][i]!,
      status: (i) => (i === 4 ? 'negative' : 'agent-run'),
    });
    const board = await get(c, '/v1/leaderboard');
    expect(board.body).toMatchObject({ score_field: 'tps', order: 'desc' });
    expect(
      board.body.rows.map((r: { agent: string; filename: string; rank: number }) => [r.rank, r.agent, r.filename]),
    ).toEqual([
      [1, 'ann', a2],
      [2, 'cid', c1],
      [3, 'ben', b1],
    ]);
    expect(board.body.meta).toMatchObject({ results_considered: 5, excluded: { status_negative: 1, malformed: 0 } });
    expect(board.body.rows[0]).toMatchObject({ verification: 'pending', hf_user: 'ann', method: 'seeded', score: 70 });
    c.setVerification(a2!, 'invalid');
    c.setVerification(c1!, 'valid');
    const after = await get(c, '/v1/leaderboard');
    expect(after.body.rows.map((r: { filename: string }) => r.filename)).toEqual([c1, b1, a1]);
    expect(after.body.meta.excluded).toMatchObject({ verification_invalid: 1 });
    expect(
      (await get(c, '/v1/leaderboard?verification=valid')).body.rows.map((r: { agent: string }) => r.agent),
    ).toEqual(['cid']);
    expect((await get(c, '/v1/leaderboard?best_per_agent=false&limit=2')).body.rows).toHaveLength(2);
    expect((await get(c, '/v1/leaderboard?agent=ben')).body.rows).toEqual([
      expect.objectContaining({ rank: 2, agent: 'ben' }),
    ]);
    expect((await get(c, '/v1/leaderboard?verification=maybe')).body.error.code).toBe('INVALID_QUERY');
    expect((await get(c, '/v1/results?verification=invalid')).body.items).toEqual([a2]);
    expect((await get(c, '/v1/results?verification=valid,pending&limit=0')).body.matched).toBe(4);
    expect((await get(c, '/v1/results?status=negative')).body.items).toEqual([b2]);
    expect((await get(c, `/v1/results/${c1}`)).body).toMatchObject({ filename: c1, verification: 'valid' });
    // A human's edit of the index is out of band: it waits out the listing TTL (30 s), then shows.
    c.setVerification(c1!, 'invalid', { by: 'human' });
    expect((await get(c, `/v1/results/${c1}`)).body.verification).toBe('valid');
    c.expireListings();
    expect((await get(c, `/v1/results/${c1}`)).body.verification).toBe('invalid');
    const digest = await get(c, '/v1/digest');
    expect(digest.body).toMatchObject({ agents: { count: 3 }, inbox: null, channels: { count: 0 } });
    expect(digest.body.recent_results[0]).toMatchObject({ filename: b2, verification: 'pending' });
  });

  it('serves channels: list, detail, the list grammar over its messages; posts stamp channel: and stay off the board', async () => {
    const c = await fresh();
    c.seedAgent('ann');
    c.seedAgent('ben');
    c.seedChannel('kernels', 'Custom CUDA kernels for the decode loop.\n', {
      creator: 'ann',
      members: [{ handle: 'ann', notify: 'all' }],
    });
    const posted = await post(c, '/v1/messages', { agent_id: 'ben', body: 'fused rope @ann', channel: 'kernels' });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({
      via: 'raw',
      path: `channels/kernels/${posted.body.filename}`,
      mentions_delivered: ['ann'],
    });
    expect((await get(c, '/v1/messages')).body.count).toBe(0);
    const msgs = await get(c, '/v1/channels/kernels/messages?expand=true');
    expect(msgs.body).toMatchObject({ count: 1, matched: 1, next: null });
    expect(msgs.body.items[0].frontmatter).toMatchObject({ agent: 'ben', channel: 'kernels', via: 'raw' });
    const list = await get(c, '/v1/channels');
    expect(list.body).toMatchObject({ count: 1, matched: 1 });
    expect(list.body.items[0]).toMatchObject({
      name: 'kernels',
      creator: 'ann',
      member_count: 2, // ben joined by posting
      message_count: 1,
      last_activity: posted.body.filename.slice(0, 19),
    });
    const detail = await get(c, '/v1/channels/kernels');
    expect(detail.body.theme).toMatchObject({
      filename: 'README.md',
      body: 'Custom CUDA kernels for the decode loop.\n',
    });
    expect(detail.body.members).toEqual([
      expect.objectContaining({ handle: 'ann', notify: 'all' }),
      expect.objectContaining({ handle: 'ben', via: 'auto', notify: 'mentions' }),
    ]);
    expect((await get(c, '/v1/channels/nothing')).body.error.code).toBe('CHANNEL_NOT_FOUND');
    expect((await get(c, '/v1/channels/Bad_Name')).status).toBe(422);
    expect((await post(c, '/v1/messages', { agent_id: 'ben', body: 'x', channel: 'nothing' })).status).toBe(404);
    c.seedMessages(3, { agents: ['ann'], channel: 'kernels' });
    expect((await get(c, '/v1/channels/kernels/messages?agent=ann')).body.matched).toBe(3);
    expect((await get(c, '/v1/digest?as=ann')).body.channels.subscribed).toEqual([
      expect.objectContaining({ name: 'kernels', new_count: 4, notify: 'all' }),
    ]);
  });

  it('serves the central README.md through the Hub, as the dashboard join snippet curls it', async () => {
    const c = await fresh();
    c.setReadme('# Read me first\n');
    const res = await fetch(c.readmeUrl);
    expect([res.status, await res.text()]).toEqual([200, '# Read me first\n']);
  });

  it('/v1/updates answers at once when the stream has news, parks then wakes on a new message, times out empty', async () => {
    const c = await fresh();
    c.seedMessages(4, { agents: ['ann', 'ben'], body: (i) => (i === 1 ? 'ping @ann' : 'chatter') });
    const now = await get(c, '/v1/updates?as=ann&expand=true');
    expect(Object.keys(now.body)).toEqual(['count', 'matched', 'items', 'next', 'cursor']);
    expect(now.body.items).toEqual([expect.objectContaining({ reasons: ['mention'], body: 'ping @ann' })]);
    const cursor: string = now.body.cursor;
    expect(cursor).toBe(now.body.items[0].filename);
    // Parked: nothing after the cursor yet; a new mention wakes it (no sleeps: wait on the answer).
    const parkedCall = get(c, `/v1/updates?as=ann&after=${cursor}&order=asc&wait=20&expand=true`);
    await expect.poll(() => c.parked()).toBe(1);
    const sent = await post(c, '/v1/messages', { agent_id: 'ben', body: 'new one for @ann' });
    const woke = await parkedCall;
    expect(Object.keys(woke.body)).toEqual(['count', 'matched', 'items', 'next', 'cursor', 'watch']);
    expect(woke.body.items.map((i: { filename: string }) => i.filename)).toEqual([sent.body.filename]);
    expect(woke.body).toMatchObject({ cursor: sent.body.filename, watch: { status: 'delivered' } });
    expect(woke.body.watch.waited_ms).toBeLessThan(20_000);
    // Nothing more: the wait runs out with an empty page and no cursor (the client keeps its own).
    const t0 = performance.now();
    const empty = await get(c, `/v1/updates?as=ann&after=${woke.body.cursor}&order=asc&wait=1`);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900);
    expect(empty.body).toMatchObject({ items: [], next: null, cursor: null, watch: { status: 'timeout' } });
    expect(empty.body.watch.waited_ms).toBeGreaterThanOrEqual(900);
    // A channel at notify: all joins the stream; an organizer broadcast reaches everyone.
    c.seedChannel('evals', 'Eval harness talk.\n', { members: [{ handle: 'ann', notify: 'all' }] });
    const [inChannel] = c.seedMessages(1, { agents: ['ben'], channel: 'evals' });
    const next = await get(c, `/v1/updates?as=ann&after=${woke.body.cursor}&order=asc&expand=true`);
    expect(next.body.items).toEqual([expect.objectContaining({ filename: inChannel, reasons: ['channel:evals'] })]);
    expect((await get(c, '/v1/updates')).status).toBe(422); // as= is required
    expect((await get(c, '/v1/updates?as=nobody')).body.error.code).toBe('NOT_REGISTERED');
    expect((await get(c, '/v1/updates?as=ann&wait=2&before=x')).body.error.code).toBe('INVALID_QUERY');
    expect((await get(c, '/v1/watching')).body.watching.ann).toMatchObject({ stream: 'updates' });
  });

  it('clamps wait to the ceiling, and an older server (updates: false) answers 404 so a client polls politely', async () => {
    const c = await fresh({ longpollMaxWaitS: 1 });
    c.seedAgent('ann');
    const t0 = performance.now();
    const clamped = await get(c, '/v1/updates?as=ann&wait=3600');
    const took = performance.now() - t0;
    expect(clamped.body.watch.status).toBe('timeout');
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5_000);
    const older = await fresh({ updates: false });
    older.seedAgent('ann');
    expect((await get(older, '/v1/updates?as=ann&wait=1')).status).toBe(404);
    expect((await get(older, '/v1/watching')).status).toBe(404);
    expect((await get(older, '/v1/messages?after=x')).status).toBe(200);
  });

  it('seeds 10,000 messages and 2,000 results through the write path, and still lists them', async () => {
    const c = await fresh();
    let t0 = performance.now();
    const messages = c.seedMessages(10_000, { agents: ['ann', 'ben', 'cid', 'dee'] });
    const msgMs = performance.now() - t0;
    t0 = performance.now();
    const results = c.seedResults(2_000, { agents: ['ann', 'ben'] });
    const resMs = performance.now() - t0;
    t0 = performance.now();
    const listing = await get(c, `/v1/messages?after=${messages[9_989]}&order=asc&limit=50`);
    const listMs = performance.now() - t0;
    console.log(
      `seeded 10,000 messages in ${msgMs.toFixed(0)} ms, 2,000 results in ${resMs.toFixed(0)} ms; first listing after them ${listMs.toFixed(0)} ms`,
    );
    expect(new Set(messages).size).toBe(10_000);
    expect([...messages].sort()).toEqual(messages);
    expect(listing.body).toMatchObject({ count: 10_000, matched: 10_000, next: null }); // matched is before the cursor
    expect(listing.body.items).toEqual(messages.slice(9_990));
    expect((await get(c, '/v1/results?limit=1')).body).toMatchObject({ count: 2_000, items: [results[1_999]] });
    expect((await get(c, '/v1/leaderboard')).body.rows).toHaveLength(2);
  });

  it('stop() cuts the network on the same port (refused, parked polls cut), start() answers again; restart keeps records', async () => {
    const c = await fresh();
    const [first] = c.seedMessages(1, { agents: ['ann'] });
    const parkedCall = fetch(`${c.apiUrl}/v1/updates?as=ann&after=${first}&wait=20`);
    await expect.poll(() => c.parked()).toBe(1);
    await c.stop();
    await expect(parkedCall).rejects.toThrow();
    expect(c.parked()).toBe(0);
    await expect(fetch(`${c.apiUrl}/v1/healthz`)).rejects.toThrow();
    await c.start();
    expect((await get(c, '/v1/healthz')).body).toEqual({ status: 'ok' });
    expect((await get(c, '/v1/messages')).body.items).toEqual([first]);
    c.restart();
    expect((await get(c, '/v1/messages')).body.items).toEqual([first]);
    expect((await get(c, '/v1/agents')).body.items).toEqual(['ann.md']);
  });
});
