// `collab-desk sync login|logout|whoami|connect|collabs`: the Hugging Face sign-in and the public collabs this machine contributes to.
import { Command } from 'commander';
import { resolve } from 'node:path';
import { dataLayout, defaultDataFolder } from '../platform/data-folder';
import { hfEndpoint } from '../platform/hf-token';
import { COLLAB_TAG, discoverCollabs, fetchRules, resolveCollab, type CollabInfo } from '../sync/collab-directory';
import {
  findJobRecord,
  followCollabJob,
  jobsFileFor,
  isFinalStatus,
  launchCollabJob,
  lookAtJob,
  summaryOf,
  type JobStatus,
  type RunLocation,
} from '../sync/collab-jobs';
import { listConnections, saveConnection, type CollabConnection } from '../sync/collab-store';
import { followHfJob, launchHfJob, ownHfJobStatus, parseTimeout, planHfJob } from '../sync/hf-jobs';
import { deviceClientId, pollDeviceTokens, requestDeviceCode } from '../sync/device-flow';
import { currentLogin, describeSource, requireLogin, saveLogin, signOut } from '../sync/hf-auth';
import { whoami, type HfIdentity } from '../sync/hf-whoami';
import { grantFile, grantOf, writeGrant, type OAuthTokens } from '../sync/oauth-grant';
import { startBrowserLogin } from '../sync/oauth-pkce';
import { whoamiFresh } from '../sync/oauth-refresh';
import { addMirrorCommands } from './mirror-command';
import { openInBrowser } from './open-browser';
import { fileTokenVault } from '../sync/sync-service';
import { SyncError } from '../sync/sync-error';
import type { CollabAgent, OutboxItem, OutboxList, PublishPreview, SyncStatus } from '../shared/sync-api';
import { call, run as runHubCall, withHub, int, type HubOptions } from './hub-call';

interface DataOptions {
  data: string;
}

const CONNECT_HINT = 'collab-desk sync connect <backend URL | dashboard URL | org/slug>';

/** Runs one subcommand; a SyncError becomes "collab-desk sync <name>: <what happened>; <what to do>" and exit 1. */
async function run(name: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (err instanceof SyncError) {
      console.error(`collab-desk sync ${name}: ${err.display}`);
      process.exit(1);
    }
    throw err;
  }
}

const withData = (c: Command) =>
  c.option('--data <dir>', 'the data folder (where connected collabs are kept)', defaultDataFolder());

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * How long to wait between device-flow polls: what the Hub asks for. COLLAB_DESK_SYNC_POLL_SCALE (tests set 0)
 * scales it, so the CLI's tests drive the real protocol without waiting its seconds.
 */
function pollWait(): (ms: number) => Promise<void> {
  const scale = Number(process.env.COLLAB_DESK_SYNC_POLL_SCALE ?? '1');
  const factor = Number.isFinite(scale) && scale >= 0 ? scale : 1;
  return (ms) => new Promise((r) => setTimeout(r, ms * factor));
}

function printIdentity(me: HfIdentity): void {
  console.log(`user: ${me.name}${me.fullname ? ` (${me.fullname})` : ''}`);
  console.log(`orgs: ${me.orgs.length > 0 ? me.orgs.map((o) => o.name).join(', ') : '(none)'}`);
}

async function signInWithDevice(endpoint: string): Promise<OAuthTokens> {
  const flow = { endpoint, clientId: deviceClientId() };
  const code = await requestDeviceCode(flow);
  console.log(`To sign in, open ${code.verification_uri} and enter the code ${code.user_code}`);
  if (code.verification_uri_complete && code.verification_uri_complete !== code.verification_uri)
    console.log(`(or open ${code.verification_uri_complete}, which fills the code in)`);
  console.log(`waiting for approval (the code expires in ${Math.round(code.expires_in / 60)} min)...`);
  return pollDeviceTokens(code, flow, { wait: pollWait() });
}

/**
 * The browser sign-in (OAuth code + PKCE on a loopback redirect): prints the page to open and opens it where the
 * platform has an opener; the login is checked and saved before the browser's tab says "signed in".
 */
async function signInWithBrowser(endpoint: string, markerFile: string): Promise<void> {
  let saved = '';
  let who: HfIdentity | null = null;
  const flow = await startBrowserLogin({
    endpoint,
    clientId: deviceClientId(),
    complete: async (tokens, where) => {
      who = await whoami(tokens.access_token, { hubUrl: endpoint });
      saved = saveLogin(tokens.access_token, markerFile);
      writeGrant(grantFile(), grantOf(tokens, where));
      return who.name;
    },
  });
  console.log(`To sign in, open ${flow.authorizeUrl}`);
  if (openInBrowser(flow.authorizeUrl)) console.log('(opening it in your browser)');
  console.log(
    `waiting for the browser to come back to ${flow.redirectUri} (for ${Math.round((flow.expiresAt - Date.now()) / 60_000)} min)...`,
  );
  await flow.result;
  const me = who as HfIdentity | null;
  if (!me) return;
  console.log(
    `signed in as ${me.name}; the token is saved in ${saved} (readable by you only), where hf tools find it too`,
  );
  printIdentity(me);
}

async function login(o: DataOptions & { tokenStdin?: boolean; device?: boolean; browser?: boolean }): Promise<void> {
  const endpoint = hfEndpoint();
  if ([o.tokenStdin, o.device, o.browser].filter(Boolean).length > 1)
    throw new SyncError(
      'NOT_SIGNED_IN',
      'choose one way to sign in',
      'pass one of --token-stdin, --device and --browser',
    );
  if (!o.tokenStdin && !o.device && !o.browser) {
    // An existing login (HF_TOKEN, `hf auth login`'s file) is used as it is: nothing new is stored (an OAuth
    // login of ours is renewed on the way when it is due).
    const fresh = await whoamiFresh(fileTokenVault(dataLayout(resolve(o.data)).hfLogin), (l) =>
      whoami(l.token, { hubUrl: endpoint }),
    );
    if (fresh) {
      const { login: existing, me } = fresh;
      console.log(`signed in as ${me.name}, from ${describeSource(existing.source)}; nothing was changed`);
      printIdentity(me);
      console.log(`next: ${CONNECT_HINT}`);
      return;
    }
  }
  if (o.browser) {
    await signInWithBrowser(endpoint, dataLayout(resolve(o.data)).hfLogin);
    console.log(`next: ${CONNECT_HINT}`);
    return;
  }
  let token: string;
  let device: OAuthTokens | null = null;
  if (o.tokenStdin) {
    token = (await readStdin()).trim();
    if (!token)
      throw new SyncError(
        'NOT_SIGNED_IN',
        'no token on standard input',
        'pipe one in: `collab-desk sync login --token-stdin < token-file` (create one at https://huggingface.co/settings/tokens)',
      );
  } else {
    device = await signInWithDevice(endpoint);
    token = device.access_token;
  }
  // Validated before it is stored: a mistyped paste never becomes the machine's login.
  const me = await whoami(token, { hubUrl: endpoint });
  const path = saveLogin(token, dataLayout(resolve(o.data)).hfLogin);
  // A device sign-in's refresh token is kept beside it (0600); a pasted token has none, and an old grant goes.
  writeGrant(
    grantFile(),
    device ? grantOf(device, { token_endpoint: `${endpoint}/oauth/token`, client_id: deviceClientId() }) : null,
  );
  console.log(
    `signed in as ${me.name}; the token is saved in ${path} (readable by you only), where hf tools find it too`,
  );
  printIdentity(me);
  const env = currentLogin();
  if (env?.source.kind === 'env')
    console.log(
      `note: ${env.source.variable} is set in this environment and wins over the file; unset it to use this login`,
    );
  console.log(`next: ${CONNECT_HINT}`);
}

async function logout(o: DataOptions & { force?: boolean }): Promise<void> {
  const report = signOut(dataLayout(resolve(o.data)).hfLogin, { force: o.force === true });
  if (report.removed) console.log(`signed out: removed ${report.removed}`);
  for (const left of report.left) console.log(`still signed in through ${describeSource(left.source)}: ${left.why}`);
  if (!report.removed && report.left.length === 0) console.log('not signed in; nothing to remove');
}

async function showWhoami(o: DataOptions): Promise<void> {
  requireLogin();
  // An OAuth login of ours is renewed when its access token is due, or refused (a 401): the new pair is saved.
  const vault = fileTokenVault(dataLayout(resolve(o.data)).hfLogin);
  const { login, me } = (await whoamiFresh(vault, (l) => whoami(l.token, { hubUrl: hfEndpoint() })))!;
  printIdentity(me);
  const kind = me.auth.role ? `${me.auth.type}, ${me.auth.role}` : me.auth.type;
  console.log(
    `token: from ${describeSource(login.source)} (${kind}${me.auth.expiresAt ? `, expires ${me.auth.expiresAt}` : ''})`,
  );
}

/** Membership in the collab's org decides whether this user can write its buckets; checked when signed in. */
async function membership(info: CollabInfo, endpoint: string): Promise<string> {
  const login = currentLogin();
  if (!login) return 'not checked: not signed in (run `collab-desk sync login` to publish)';
  try {
    const me = await whoami(login.token, { hubUrl: endpoint });
    if (me.orgs.some((o) => o.name === info.org)) return `${me.name} is a member of ${info.org}`;
    const invite = info.invite_url ?? `${endpoint}/${info.org}`;
    return `${me.name} is not a member of ${info.org}, so cannot publish yet: ask for an invite: ${invite}`;
  } catch (err) {
    if (err instanceof SyncError) return `not checked: ${err.display}`;
    throw err;
  }
}

async function connect(target: string, o: DataOptions): Promise<void> {
  const endpoint = hfEndpoint();
  const info = await resolveCollab(target, { hfEndpoint: endpoint });
  const rules = await fetchRules(info, { hfEndpoint: endpoint });
  const saved = saveConnection(dataLayout(resolve(o.data)).collabs, info, rules?.url ?? null);
  const direction = info.score_order === 'desc' ? 'higher is better' : 'lower is better';
  console.log(`connected: ${saved.id}${info.title ? ` (${info.title})` : ''}`);
  console.log(`backend: ${info.api_url}`);
  if (info.dashboard_url) console.log(`dashboard: ${info.dashboard_url}`);
  console.log(`central bucket: ${info.central_bucket}`);
  console.log(`score: ${info.score_field}${info.score_unit ? ` (${info.score_unit})` : ''}, ${direction}`);
  if (info.required_result_fields) console.log(`required result fields: ${info.required_result_fields.join(', ')}`);
  console.log(`limits: ${info.limits ? JSON.stringify(info.limits) : 'not published in its GET /v1'}`);
  console.log(
    `jobs on the collab's hardware: ${info.runs_jobs ? 'yes (POST /v1/jobs:run)' : 'no'}; ` +
      "a number measured on your own GPU is exploratory wherever the collab ranks only its own hardware's",
  );
  console.log(`membership: ${await membership(info, endpoint)}`);
  if (rules) {
    console.log(`rules (${rules.url}):`);
    console.log(rules.text.trimEnd());
  } else {
    console.log(`rules: could not be read (the central bucket ${info.central_bucket} has no public README.md?)`);
  }
}

async function discover(): Promise<void> {
  const endpoint = hfEndpoint();
  const found = await discoverCollabs({ hfEndpoint: endpoint, token: currentLogin()?.token ?? null });
  if (found.length === 0) {
    console.log(`no Space on ${endpoint} is tagged ${COLLAB_TAG}`);
    return;
  }
  console.log(`collab dashboards on ${endpoint} (Spaces tagged ${COLLAB_TAG}), most liked first:`);
  for (const c of found) console.log(`  ${c.space}  ${c.url}  ${c.likes} likes  updated ${c.updated_at.slice(0, 10)}`);
  console.log('connect one: collab-desk sync connect <its URL>');
}

function collabs(o: DataOptions): void {
  const list = listConnections(dataLayout(resolve(o.data)).collabs);
  if (list.length === 0) {
    console.log(`no collab connected: ${CONNECT_HINT}`);
    return;
  }
  for (const c of list)
    console.log(
      `${c.id}  ${c.api_url}  score ${c.score_field} ${c.score_order}  jobs ${c.runs_jobs ? 'yes' : 'no'}  connected ${c.connected_at}`,
    );
}

function describeItem(item: OutboxItem): string {
  const steps = item.steps.map((s) => `${s.step}${s.done ? ' ✓' : ''}`).join(' > ');
  const head = `${item.id}  ${item.state.padEnd(9)}  ${item.result} -> ${item.collab} as ${item.agent}  [${steps}]`;
  const lines = [head];
  if (item.public_filename)
    lines.push(`  public: ${item.public_filename}${item.public_url ? ` ${item.public_url}` : ''}`);
  if (item.error)
    lines.push(`  ${item.state === 'failed' ? 'failed' : 'last'}: ${item.error.message}; ${item.error.next}`);
  if (item.next_attempt_at && item.state === 'queued') lines.push(`  next attempt: ${item.next_attempt_at}`);
  return lines.join('\n');
}

async function status(o: HubOptions): Promise<void> {
  const s = await call<SyncStatus>(o, 'GET', '/v1/sync');
  console.log(
    s.signed_in
      ? `signed in as ${s.signed_in.user} (orgs: ${s.signed_in.orgs.join(', ') || 'none'}), from ${s.signed_in.source}`
      : `not signed in${s.sign_in_problem ? `: ${s.sign_in_problem}` : ' (collab-desk sync login)'}`,
  );
  if (s.collabs.length === 0) console.log(`no collab connected: ${CONNECT_HINT}`);
  for (const c of s.collabs) {
    console.log(
      `${c.id}  ${c.api_url}${c.fixed_hardware ? '  (ranks only its own hardware: results from here are exploratory)' : ''}`,
    );
    for (const a of c.agents) console.log(`  agent ${a.agent_id}  bucket ${a.bucket}  (${a.model})`);
    if (c.agents.length === 0)
      console.log('  no agent registered: collab-desk sync register <agent-id> --collab ' + c.id);
  }
  const n = s.outbox;
  console.log(
    `outbox: ${n.queued} queued, ${n.sending} sending, ${n.sent} sent, ${n.failed} failed, ${n.cancelled} cancelled`,
  );
}

async function register(agentId: string, o: HubOptions & { collab: string; model: string; harness?: string }) {
  const agent = await call<CollabAgent>(o, 'POST', '/v1/sync/agents', {
    collab: o.collab,
    agent_id: agentId,
    model: o.model,
    ...(o.harness ? { harness: o.harness } : {}),
  });
  console.log(`registered ${agent.agent_id} on ${o.collab} as ${agent.hf_user ?? '?'}; its bucket: ${agent.bucket}`);
  console.log(`next: collab-desk sync publish <result> --collab ${o.collab} --agent ${agent.agent_id}`);
}

function printPreview(p: PublishPreview): void {
  console.log(`publish ${p.result} to ${p.collab} as ${p.agent} (bucket ${p.bucket}), status ${p.status}`);
  if (p.notice) console.log(`note: ${p.notice}`);
  console.log(`files that leave this machine (${p.bytes} bytes):`);
  for (const f of p.files) console.log(`  ${f.path}  ${f.bytes} B  sha256 ${f.sha256.slice(0, 12)}`);
  console.log('calls:');
  for (const c of p.calls) console.log(`  ${c.method} ${c.path} ${JSON.stringify(c.body)}`);
  if (p.withheld.length > 0) {
    console.log('stays on this machine:');
    for (const w of p.withheld) console.log(`  ${w}`);
  }
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

const FINAL = new Set(['sent', 'failed', 'cancelled']);

type PublishOptions = HubOptions & {
  collab: string;
  agent: string;
  job?: string;
  bundle: boolean;
  message?: string;
  trace?: string;
  traceSession?: string;
  yes?: boolean;
  wait?: boolean;
  showFile?: string[];
};

async function publish(result: string | undefined, o: PublishOptions): Promise<void> {
  if ((result === undefined) === (o.job === undefined))
    throw new SyncError(
      'INVALID_PATH',
      result === undefined ? 'name a result or a job to publish' : 'name a result or --job, not both',
      `collab-desk sync publish <result> --collab ${o.collab} --agent ${o.agent}, or --job <job-id|runs/...> for a collab job's summary`,
    );
  const body = {
    ...(result !== undefined ? { result } : { job: o.job }),
    collab: o.collab,
    agent: o.agent,
    bundle: o.bundle,
    ...(o.message ? { message: o.message } : {}),
    ...(o.trace ? { trace: o.trace } : {}),
    ...(o.traceSession ? { trace_session: o.traceSession } : {}),
  };
  if (o.trace !== undefined && o.trace !== 'stats' && o.trace !== 'full')
    throw new SyncError(
      'INVALID_PATH',
      `--trace takes stats or full, not "${o.trace}"`,
      'stats shares token and tool-call counts; full also shares the native log',
    );
  const preview = await call<PublishPreview>(o, 'POST', '/v1/sync/preview', body);
  printPreview(preview);
  for (const path of o.showFile ?? []) {
    const f = preview.files.find((x) => x.path === path);
    console.log(
      f?.text != null ? `--- ${path}\n${f.text}--- end of ${path}` : `--- ${path}: no such text file in the preview`,
    );
  }
  if (!o.yes && !(await confirm('publish exactly this?'))) {
    console.log('nothing was sent; pass --yes to publish what the preview shows');
    return;
  }
  let item = await call<OutboxItem>(o, 'POST', '/v1/sync/publish', { ...body, digest: preview.digest });
  console.log(`queued: ${item.id} (collab-desk sync outbox follows it)`);
  if (!o.wait) return;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const list = await call<OutboxList>(o, 'GET', '/v1/sync/outbox?limit=200');
    item = list.items.find((i) => i.id === item.id) ?? item;
    if (FINAL.has(item.state)) break;
  }
  console.log(describeItem(item));
  if (item.state !== 'sent') process.exitCode = 1;
}

async function outboxCommand(o: HubOptions & { retry?: string; cancel?: string; limit: number }): Promise<void> {
  if (o.retry)
    console.log(
      describeItem(await call<OutboxItem>(o, 'POST', `/v1/sync/outbox/${encodeURIComponent(o.retry)}/retry`)),
    );
  if (o.cancel)
    console.log(
      describeItem(await call<OutboxItem>(o, 'POST', `/v1/sync/outbox/${encodeURIComponent(o.cancel)}/cancel`)),
    );
  if (o.retry || o.cancel) return;
  const list = await call<OutboxList>(o, 'GET', `/v1/sync/outbox?limit=${o.limit}`);
  if (list.items.length === 0)
    console.log('the outbox is empty: collab-desk sync publish <result> --collab <id> --agent <id>');
  for (const item of list.items) console.log(describeItem(item));
}

/** A connected collab and an agent registered on it from this machine, as saved in the data folder. */
function collabAndAgent(o: DataOptions & { collab: string; agent: string }): {
  collab: CollabConnection;
  agent: CollabAgent;
  collabsFile: string;
} {
  const collabsFile = dataLayout(resolve(o.data)).collabs;
  const collab = listConnections(collabsFile).find((c) => c.id === o.collab || c.api_url === o.collab);
  if (!collab)
    throw new SyncError('COLLAB_NOT_CONNECTED', `${o.collab} is not connected`, `connect it first: ${CONNECT_HINT}`);
  const agent = (collab.agents ?? []).find((a) => a.agent_id === o.agent);
  if (!agent)
    throw new SyncError(
      'COLLAB_AGENT_UNKNOWN',
      `${o.agent} is not registered on ${collab.id} from this machine`,
      `register it: collab-desk sync register ${o.agent} --collab ${collab.id} --model <model>`,
    );
  return { collab, agent, collabsFile };
}

/** Between two reads of job_status.json: --poll seconds, scaled like the device flow's waits (never below 50 ms). */
function jobPollMs(seconds: number): number {
  const scale = Number(process.env.COLLAB_DESK_SYNC_POLL_SCALE ?? '1');
  const factor = Number.isFinite(scale) && scale >= 0 ? scale : 1;
  return Math.max(50, (Number.isFinite(seconds) && seconds >= 0 ? seconds : 10) * 1000 * factor);
}

const printStatus = (s: JobStatus) => console.log(`status: ${s.status}${s.message ? ` (${s.message})` : ''}`);

/** Follows a run to its end, then prints summary.json's figures and how to publish them. */
async function followToEnd(
  at: RunLocation,
  collab: CollabConnection,
  agent: CollabAgent,
  pollSeconds: number,
  /** Set for a run on the user's own Hugging Face Jobs: this process is its watcher (hf-jobs.ts followHfJob). */
  own?: JobStatus,
): Promise<void> {
  const follow =
    own && !isFinalStatus(own.status)
      ? (o: Parameters<typeof followCollabJob>[0]) => followHfJob({ ...o, launched: own })
      : followCollabJob;
  const final = await follow({
    ...at,
    intervalMs: jobPollMs(pollSeconds),
    onStatus: printStatus,
    onLog: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  });
  const where = `hf://buckets/${at.bucket}/${at.runPrefix}`;
  if (final.status !== 'completed') {
    console.log(`the job ended ${final.status}: no result to publish; its logs are above and in ${where}/job_logs.txt`);
    console.log(
      `next: read the end of the logs${own ? ` (and the job's page ${String(own.hf_job_url ?? own.job_url ?? '')})` : ''}, fix the submission, then run it again`,
    );
    process.exitCode = 1;
    return;
  }
  const summary = await summaryOf(at);
  if (!summary) {
    console.log(`no summary.json in ${where}: the harness wrote none (read the logs above)`);
    process.exitCode = 1;
    return;
  }
  console.log(`summary (${where}/summary.json):`);
  for (const [k, v] of Object.entries(summary)) console.log(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const score = summary[collab.score_field];
  if (typeof score === 'number') {
    const direction = collab.score_order === 'desc' ? 'higher is better' : 'lower is better';
    console.log(
      `score: ${collab.score_field} = ${score}${collab.score_unit ? ` ${collab.score_unit}` : ''} (${direction}), ${own ? `measured on your own Hugging Face Job ${String(own.flavor)} with the collab's harness (exploratory on ${collab.id})` : "measured on the collab's hardware"}`,
    );
    console.log(
      `publish: collab-desk sync publish --job ${at.runPrefix} --collab ${collab.id} --agent ${agent.agent_id}`,
    );
  } else {
    console.log(`summary.json has no number for the score field ${collab.score_field}: nothing to publish`);
    process.exitCode = 1;
  }
}

async function runOnCollab(
  folder: string,
  o: DataOptions & { collab: string; agent: string; name?: string; follow?: boolean; poll: number },
): Promise<void> {
  const { collab, agent, collabsFile } = collabAndAgent(o);
  const login = requireLogin();
  const hubUrl = hfEndpoint();
  const jobsLimit = collab.limits?.job_per_agent_per_day ?? collab.limits?.jobs_per_agent_per_day;
  if (jobsLimit !== undefined)
    console.log(`quota: ${String(jobsLimit)} jobs per agent per rolling 24 h on ${collab.id}`);
  const { launch, submission, submissionPrefix, runPrefix } = await launchCollabJob({
    collab,
    agent,
    token: login.token,
    hubUrl,
    folder,
    name: o.name,
    jobsFile: jobsFileFor(collabsFile),
  });
  console.log(
    `uploaded: ${submission.files.length} files, ${submission.bytes} bytes -> hf://buckets/${agent.bucket}/${submissionPrefix}/`,
  );
  console.log(`launched: job ${launch.job_id} on ${collab.id} (capped at ${launch.timeout_minutes} min)`);
  console.log(`job: ${launch.job_url}`);
  const q = launch.quota ?? {};
  console.log(
    `quota left (rolling 24 h): ${q.agent_remaining ?? '?'} for ${agent.agent_id}, ${q.user_remaining ?? '?'} for ${launch.hf_user}`,
  );
  console.log(`run: hf://buckets/${launch.run_bucket || agent.bucket}/${runPrefix}/`);
  const resume = `collab-desk sync job ${launch.job_id} --collab ${collab.id} --agent ${agent.agent_id} --follow`;
  if (!o.follow) {
    console.log(`follow it: ${resume}`);
    return;
  }
  console.log(`following (if this stops, resume with: ${resume})`);
  await followToEnd(
    { bucket: launch.run_bucket || agent.bucket, runPrefix, token: login.token, hubUrl },
    collab,
    agent,
    o.poll,
  );
}

type HfJobsRunOptions = DataOptions & {
  collab: string;
  agent: string;
  name?: string;
  poll: number;
  flavor?: string;
  namespace?: string;
  timeout?: string;
  image?: string;
  yes?: boolean;
};

/**
 * `sync run --on hf-jobs`: the same submission and harness on the user's own Hugging Face Jobs. The price and the most
 * the run can cost come first, and nothing leaves the machine until the user says yes.
 */
async function runOnHfJobs(folder: string, o: HfJobsRunOptions): Promise<void> {
  const { collab, agent, collabsFile } = collabAndAgent(o);
  const login = requireLogin();
  const hubUrl = hfEndpoint();
  const plan = await planHfJob({
    collab,
    agent,
    token: login.token,
    hubUrl,
    folder,
    name: o.name,
    namespace: o.namespace,
    flavor: o.flavor,
    timeoutSeconds: o.timeout === undefined ? undefined : parseTimeout(o.timeout),
    image: o.image,
    jobsFile: jobsFileFor(collabsFile),
  });
  console.log(
    `on your own Hugging Face Jobs, as ${plan.namespace} (signed in as ${plan.user}), with ${collab.id}'s harness`,
  );
  console.log(`price: ${plan.price.words}`);
  console.log(
    `job: ${plan.spec.dockerImage}, ${plan.spec.command.join(' ')}; mounts hf://buckets/${agent.bucket}/${plan.submissionPrefix} (read-only) at /submission, ` +
      `hf://buckets/${collab.central_bucket}/${plan.spec.volumes[1]!.path} (read-only) at /harness, hf://buckets/${agent.bucket}/${plan.runPrefix} at /state; no token in the job`,
  );
  console.log(
    `note: ${collab.id} did not measure this run: it publishes as exploratory (measured on your own Hugging Face Job ${plan.spec.flavor})`,
  );
  if (!o.yes) {
    if (!process.stdin.isTTY) {
      console.error(
        `collab-desk sync run: nothing was launched: this terminal cannot ask before spending ${plan.namespace}'s credits; pass --yes to launch at that price`,
      );
      process.exitCode = 1;
      return;
    }
    if (
      !(await confirm(
        `launch it (up to ${plan.price.maxUSD === null ? 'its timeout' : `$${plan.price.maxUSD.toFixed(2)}`})?`,
      ))
    ) {
      console.log('nothing was launched');
      return;
    }
  }
  const launch = await launchHfJob(plan);
  console.log(
    `uploaded: ${plan.submission.files.length} files, ${plan.submission.bytes} bytes -> hf://buckets/${agent.bucket}/${plan.submissionPrefix}/`,
  );
  console.log(
    `launched: job ${launch.jobId} under ${plan.namespace} on ${plan.spec.flavor} (capped at ${Math.round(plan.spec.timeoutSeconds / 60)} min)`,
  );
  console.log(`job: ${launch.jobUrl}`);
  console.log(`run: hf://buckets/${agent.bucket}/${plan.runPrefix}/`);
  const resume = `collab-desk sync job ${launch.jobId} --collab ${collab.id} --agent ${agent.agent_id} --follow`;
  console.log(`following (if this stops, resume with: ${resume})`);
  printStatus(launch.status);
  await followToEnd(
    { bucket: agent.bucket, runPrefix: plan.runPrefix, token: login.token, hubUrl },
    collab,
    agent,
    o.poll,
    launch.status,
  );
}

async function followJob(
  idOrPrefix: string,
  o: DataOptions & { collab: string; agent: string; follow?: boolean; poll: number },
): Promise<void> {
  const { collab, agent, collabsFile } = collabAndAgent(o);
  const login = requireLogin();
  const record = findJobRecord(jobsFileFor(collabsFile), idOrPrefix);
  // A run prefix works without a record (another machine launched it): `runs/x`, or its hf://buckets/... URL.
  const url = `hf://buckets/${agent.bucket}/`;
  const given = idOrPrefix.startsWith(url) ? idOrPrefix.slice(url.length) : idOrPrefix;
  const runPrefix = (record?.run_prefix ?? (given.includes('/') ? given : ''))
    .replace(/^\/+|\/+$/g, '')
    .replace(/\/job_(status\.json|logs\.txt)$/, '');
  if (!runPrefix)
    throw new SyncError(
      'NOT_FOUND',
      `no job ${idOrPrefix} was launched from this machine`,
      `give its run prefix instead: collab-desk sync job runs/<name>-<time> --collab ${collab.id} --agent ${agent.agent_id}`,
    );
  const at: RunLocation = {
    bucket: record?.bucket ?? agent.bucket,
    runPrefix,
    token: login.token,
    hubUrl: hfEndpoint(),
  };
  console.log(
    `run: hf://buckets/${at.bucket}/${runPrefix}/${record ? ` (job ${record.job_id}, ${record.job_url})` : ''}`,
  );
  // A run on the user's own Hugging Face Jobs has no watcher but the one following it: following it resumes that.
  const own = await ownHfJobStatus(at);
  if (o.follow) return followToEnd(at, collab, agent, o.poll, own ?? undefined);
  if (own && !isFinalStatus(own.status)) {
    printStatus(own);
    console.log(
      `still running on ${String(own.namespace)}'s own Hugging Face Jobs (${String(own.hf_job_url ?? '')}): add --follow to follow it to its end and write its logs and status into the run folder`,
    );
    return;
  }
  // One look: the status now, the logs so far, the summary when done.
  const { status, logs } = await lookAtJob(at);
  if (status) printStatus(status);
  else console.log('status: not written yet (the collab writes job_status.json right after the launch)');
  if (logs) process.stdout.write(logs.endsWith('\n') ? logs : `${logs}\n`);
  if (status?.status === 'completed') {
    const summary = await summaryOf(at);
    if (summary) for (const [k, v] of Object.entries(summary)) console.log(`  ${k}: ${JSON.stringify(v)}`);
  } else if (!isFinalStatus(status?.status)) console.log('still running: add --follow to wait for its end');
}

export function syncCommand(): Command {
  const sync = new Command('sync').description(
    'The public Hugging Face collab: sign in, connect, register, publish through a durable outbox',
  );
  withData(sync.command('login'))
    .description(
      'Sign in to Hugging Face: reuses HF_TOKEN or the `hf auth login` token file, else the device-code flow; saves a new token in the HF token file (0600)',
    )
    .option('--token-stdin', 'read an access token from standard input (validated before it is saved)')
    .option('--device', 'sign in in a browser with a short code, even when a login exists')
    .option(
      '--browser',
      'sign in in the browser on this machine (OAuth with PKCE; the Hub redirects to a one-shot listener on 127.0.0.1)',
    )
    .action((o: DataOptions & { tokenStdin?: boolean; device?: boolean; browser?: boolean }) =>
      run('login', () => login(o)),
    );
  withData(sync.command('logout'))
    .description('Remove the token `collab-desk sync login` saved (a token saved by other tools stays unless --force)')
    .option('--force', 'also remove a token file another tool wrote')
    .action((o: DataOptions & { force?: boolean }) => run('logout', () => logout(o)));
  withData(sync.command('whoami'))
    .description('Who is signed in to Hugging Face, and their orgs (renews a browser or device sign-in that is due)')
    .action((o: DataOptions) => run('whoami', () => showWhoami(o)));
  withData(sync.command('connect'))
    .argument('<target>', "the collab's backend URL, its dashboard Space URL, or org/slug")
    .description("Connect to a public collab: read its GET /v1 and its rules (the central bucket's README)")
    .action((target: string, o: DataOptions) => run('connect', () => connect(target, o)));
  withData(sync.command('collabs'))
    .description('The collabs this machine is connected to')
    .option('--discover', `list the collab dashboards on the Hub (Spaces tagged ${COLLAB_TAG}) instead`)
    .action((o: DataOptions & { discover?: boolean }) =>
      run('collabs', async () => (o.discover ? discover() : collabs(o))),
    );
  withHub(sync.command('status'))
    .description('Who is signed in, the connected collabs and the agents on them, the outbox (asks the running hub)')
    .action((o: HubOptions) => runHubCall('sync status', () => run('status', () => status(o))));
  withHub(sync.command('register'))
    .argument('<agent-id>', 'the identity to register on the collab (lowercase letters, digits, -)')
    .requiredOption('--collab <org/collab>', 'a connected collab')
    .requiredOption('--model <model>', 'the model the agent runs (shown on the collab)')
    .option('--harness <harness>', 'the harness (default collab-desk)')
    .description(
      "Register an identity on a connected collab as you (creates its scratch bucket where the collab's server does not)",
    )
    .action((agentId: string, o: HubOptions & { collab: string; model: string; harness?: string }) =>
      runHubCall('sync register', () => run('register', () => register(agentId, o))),
    );
  withHub(sync.command('publish'))
    .argument('[result]', 'the local result filename (collab-desk challenge leaderboard, or the dashboard)')
    .requiredOption('--collab <org/collab>', 'a connected collab')
    .requiredOption('--agent <agent-id>', 'an agent registered on it from this machine')
    .option(
      '--job <job-id|runs/...>',
      'instead of a result: a completed collab job (collab-desk sync run), published from its summary.json',
    )
    .option('--no-bundle', 'do not send the run bundle (config, output, provenance, log; for --job, its run folder)')
    .option('--message <text>', 'also post this on the collab board')
    .option(
      '--trace <stats|full>',
      "share the agent's session trace with it (/v1/traces): stats (token and tool-call counts) or full (+ its log)",
    )
    .option('--trace-session <session>', 'which shared session (default: the one whose result_ref names the result)')
    .option('--show-file <path...>', 'print these files of the preview in full')
    .option('--yes', 'publish what the preview shows without asking')
    .option('--wait', 'wait until it is sent (or failed)')
    .description(
      "Preview exactly what leaves this machine, then publish a result (or a collab job's summary) through the outbox",
    )
    .action((result: string | undefined, o: PublishOptions) =>
      runHubCall('sync publish', () => run('publish', () => publish(result, o))),
    );
  withHub(sync.command('outbox'))
    .option('--retry <id>', 'send a failed or cancelled item again')
    .option('--cancel <id>', 'stop a queued or failed item')
    .option('--limit <n>', 'items to list', int('--limit', 1), 50)
    .description(
      'Everything published from this machine: queued, sending, sent (with its public filename), failed (why, what to do)',
    )
    .action((o: HubOptions & { retry?: string; cancel?: string; limit: number }) =>
      runHubCall('sync outbox', () => run('outbox', () => outboxCommand(o))),
    );
  withData(sync.command('run'))
    .argument('<submission-folder>', "the folder to run (in the format of the collab's harness README)")
    .requiredOption('--collab <org/collab>', 'a connected collab that runs jobs (POST /v1/jobs:run)')
    .requiredOption('--agent <agent-id>', 'an agent registered on it from this machine')
    .option('--name <name>', "the submission's name in the bucket (default: the folder's name)")
    .option('--follow', 'follow the job to its end, printing its logs, then summary.json')
    .option('--poll <seconds>', 'between two reads of job_status.json', Number, 10)
    .option(
      '--on <where>',
      "collab (the collab's hardware) or hf-jobs (your own Hugging Face Jobs, billed to you)",
      'collab',
    )
    .option(
      '--flavor <flavor>',
      "with --on hf-jobs: the hardware (default a10g-small, the template's default: a collab may use another, its rules say which)",
    )
    .option('--namespace <org>', 'with --on hf-jobs: run under this org, billed to it (default: you)')
    .option('--timeout <duration>', "with --on hf-jobs: stop it after this long, e.g. 40m (default: the collab's 40m)")
    .option('--image <image>', "with --on hf-jobs: the Docker image (default python:3.12, the template's default)")
    .option('--yes', 'with --on hf-jobs: launch at the price shown without asking')
    .description(
      "Run a submission on the collab's hardware (or on your own Hugging Face Jobs with --on hf-jobs, its price shown first): upload it to the agent's bucket (submissions/<name>/), launch, show the quota and the job",
    )
    .action((folder: string, o: HfJobsRunOptions & { follow?: boolean; on: string }) =>
      run('run', async () => {
        if (o.on === 'hf-jobs') return runOnHfJobs(folder, o);
        if (o.on !== 'collab')
          throw new SyncError(
            'INVALID_CONFIG',
            `--on ${o.on} is not a place to run`,
            'use --on collab or --on hf-jobs',
          );
        const hfOnly = (['flavor', 'namespace', 'timeout', 'image'] as const).filter((k) => o[k] !== undefined);
        if (hfOnly.length > 0)
          throw new SyncError(
            'INVALID_CONFIG',
            `--${hfOnly[0]} is for --on hf-jobs; the collab chooses its own hardware`,
            'add --on hf-jobs to run on your own Hugging Face Jobs, or leave it out',
          );
        return runOnCollab(folder, o);
      }),
    );
  withData(sync.command('job'))
    .argument('<job-id-or-run-prefix>', 'a job launched with `sync run`, or its run prefix (runs/<name>-<time>)')
    .requiredOption('--collab <org/collab>', 'the collab it runs on')
    .requiredOption('--agent <agent-id>', 'the agent that launched it')
    .option('--follow', 'follow it to its end')
    .option('--poll <seconds>', 'between two reads of job_status.json', Number, 10)
    .description(
      "A job on the collab's hardware: its status, logs and summary (resume following after the terminal closed)",
    )
    .action((id: string, o: DataOptions & { collab: string; agent: string; follow?: boolean; poll: number }) =>
      run('job', () => followJob(id, o)),
    );
  addMirrorCommands(sync);
  return sync;
}
