// `collab-desk sync login|logout|whoami|connect|collabs`: the Hugging Face sign-in and the public collabs this machine contributes to.
import { Command } from 'commander';
import { resolve } from 'node:path';
import { dataLayout, defaultDataFolder } from '../platform/data-folder';
import { hfEndpoint } from '../platform/hf-token';
import { fetchRules, resolveCollab, type CollabInfo } from '../sync/collab-directory';
import { listConnections, saveConnection } from '../sync/collab-store';
import { deviceClientId, pollDeviceToken, requestDeviceCode } from '../sync/device-flow';
import { currentLogin, describeSource, requireLogin, saveLogin, signOut } from '../sync/hf-auth';
import { whoami, type HfIdentity } from '../sync/hf-whoami';
import { SyncError } from '../sync/sync-error';

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

async function signInWithDevice(endpoint: string): Promise<string> {
  const flow = { endpoint, clientId: deviceClientId() };
  const code = await requestDeviceCode(flow);
  console.log(`To sign in, open ${code.verification_uri} and enter the code ${code.user_code}`);
  if (code.verification_uri_complete && code.verification_uri_complete !== code.verification_uri)
    console.log(`(or open ${code.verification_uri_complete}, which fills the code in)`);
  console.log(`waiting for approval (the code expires in ${Math.round(code.expires_in / 60)} min)...`);
  return pollDeviceToken(code, flow, { wait: pollWait() });
}

async function login(o: DataOptions & { tokenStdin?: boolean; device?: boolean }): Promise<void> {
  const endpoint = hfEndpoint();
  if (o.tokenStdin && o.device)
    throw new SyncError('NOT_SIGNED_IN', 'choose one way to sign in', 'pass either --token-stdin or --device');
  if (!o.tokenStdin && !o.device) {
    // An existing login (HF_TOKEN, `hf auth login`'s file) is used as it is: nothing new is stored.
    const existing = currentLogin();
    if (existing) {
      const me = await whoami(existing.token, { hubUrl: endpoint });
      console.log(`signed in as ${me.name}, from ${describeSource(existing.source)}; nothing was changed`);
      printIdentity(me);
      console.log(`next: ${CONNECT_HINT}`);
      return;
    }
  }
  let token: string;
  if (o.tokenStdin) {
    token = (await readStdin()).trim();
    if (!token)
      throw new SyncError(
        'NOT_SIGNED_IN',
        'no token on standard input',
        'pipe one in: `collab-desk sync login --token-stdin < token-file` (create one at https://huggingface.co/settings/tokens)',
      );
  } else {
    token = await signInWithDevice(endpoint);
  }
  // Validated before it is stored: a mistyped paste never becomes the machine's login.
  const me = await whoami(token, { hubUrl: endpoint });
  const path = saveLogin(token, dataLayout(resolve(o.data)).hfLogin);
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

async function showWhoami(): Promise<void> {
  const login = requireLogin();
  const me = await whoami(login.token, { hubUrl: hfEndpoint() });
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

export function syncCommand(): Command {
  const sync = new Command('sync').description(
    'The public Hugging Face collab: sign in, connect (publishing comes in a later version)',
  );
  withData(sync.command('login'))
    .description(
      'Sign in to Hugging Face: reuses HF_TOKEN or the `hf auth login` token file, else the device-code flow; saves a new token in the HF token file (0600)',
    )
    .option('--token-stdin', 'read an access token from standard input (validated before it is saved)')
    .option('--device', 'sign in in a browser with a short code, even when a login exists')
    .action((o: DataOptions & { tokenStdin?: boolean; device?: boolean }) => run('login', () => login(o)));
  withData(sync.command('logout'))
    .description('Remove the token `collab-desk sync login` saved (a token saved by other tools stays unless --force)')
    .option('--force', 'also remove a token file another tool wrote')
    .action((o: DataOptions & { force?: boolean }) => run('logout', () => logout(o)));
  sync
    .command('whoami')
    .description('Who is signed in to Hugging Face, and their orgs')
    .action(() => run('whoami', showWhoami));
  withData(sync.command('connect'))
    .argument('<target>', "the collab's backend URL, its dashboard Space URL, or org/slug")
    .description("Connect to a public collab: read its GET /v1 and its rules (the central bucket's README)")
    .action((target: string, o: DataOptions) => run('connect', () => connect(target, o)));
  withData(sync.command('collabs'))
    .description('The collabs this machine is connected to')
    .action((o: DataOptions) => run('collabs', async () => collabs(o)));
  return sync;
}
