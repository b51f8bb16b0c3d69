// `collab-desk sync follow|unfollow|mirror`: public collabs followed read-only by the running hub, and how fresh their copies are.
import type { Command } from 'commander';
import type { MirrorList, MirrorStatus, MirroredCollab } from '../shared/mirror-api';
import { call, CliError, int, run, withHub, type HubOptions } from './hub-call';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function age(iso: string | null): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : `${(s / 3600).toFixed(1)} h ago`;
}

function describeCollab(c: MirroredCollab): string {
  const state = c.live
    ? `live, caught up ${age(c.caught_up_at)}${c.problem ? ` (${c.problem})` : ''}`
    : `offline: serving its copy from ${age(c.caught_up_at)}${c.problem ? ` (${c.problem})` : ''}`;
  return [
    `${c.id}  ${c.api_url}`,
    `  ${state}`,
    `  ${c.counts.message} messages, ${c.counts.result} results, ${c.counts.agent} agents; ${mb(c.bytes)} of ${mb(c.budget_bytes)}` +
      (c.evicted > 0 ? ` (${c.evicted} oldest messages dropped to stay within it)` : ''),
  ].join('\n');
}

const pathOf = (collab: string) => {
  const [org, name, ...rest] = collab.split('/');
  if (!org || !name || rest.length > 0)
    throw new CliError(`"${collab}" is not org/collab (collab-desk sync mirror lists them)`);
  return `${encodeURIComponent(org)}/${encodeURIComponent(name)}`;
};

async function follow(target: string, o: HubOptions & { budgetMb?: number }): Promise<void> {
  const c = await call<MirroredCollab>(o, 'POST', '/v1/mirror', {
    target,
    ...(o.budgetMb !== undefined ? { budget_mb: o.budgetMb } : {}),
  });
  // The first pass is under way: wait for it, so the person sees what was copied.
  const after = await call<MirroredCollab>(o, 'POST', `/v1/mirror/${pathOf(c.id)}/refresh`);
  console.log(`following ${c.id} read-only (nothing is written to it)`);
  console.log(describeCollab(after));
}

async function unfollow(collab: string, o: HubOptions): Promise<void> {
  await call(o, 'DELETE', `/v1/mirror/${pathOf(collab)}`);
  console.log(`no longer following ${collab}; its copy was dropped`);
}

async function mirrorStatus(o: HubOptions): Promise<void> {
  const s = await call<MirrorStatus>(o, 'GET', '/v1/mirror');
  if (s.collabs.length === 0)
    console.log('no public collab followed: collab-desk sync follow <backend URL | dashboard URL | org/slug>');
  for (const c of s.collabs) console.log(describeCollab(c));
}

async function mirrorShow(collab: string, o: HubOptions & { kind: string; limit: number }): Promise<void> {
  if (!['message', 'result', 'agent'].includes(o.kind))
    throw new CliError(`--kind takes message, result or agent, not "${o.kind}"`);
  const list = await call<MirrorList>(o, 'GET', `/v1/mirror/${pathOf(collab)}/records?kind=${o.kind}&limit=${o.limit}`);
  console.log(`${collab}, as read ${age(list.caught_up_at)} (newest first):`);
  for (const r of list.items) {
    const fm = r.frontmatter;
    const line =
      o.kind === 'message'
        ? (r.body
            .split('\n')
            .find((l) => l.trim())
            ?.slice(0, 100) ?? '')
        : o.kind === 'result'
          ? `${String(fm.description ?? '').slice(0, 80)}  [${r.verification ?? 'unverified'}]`
          : String(fm.model ?? '');
    console.log(`  ${r.filename}  ${line}`);
  }
}

/** Adds follow, unfollow and mirror to `collab-desk sync`. */
export function addMirrorCommands(sync: Command): void {
  withHub(sync.command('follow'))
    .argument('<target>', 'the collab: backend URL, dashboard URL, or org/slug')
    .option(
      '--budget-mb <mb>',
      'the room its copy may take (default 256); the oldest messages go first',
      int('--budget-mb', 1),
    )
    .description(
      'Follow a public collab read-only: its board, results, agents, leaderboard and rules, kept current by the hub',
    )
    .action((target: string, o: HubOptions & { budgetMb?: number }) => run('sync follow', () => follow(target, o)));
  withHub(sync.command('unfollow'))
    .argument('<org/collab>', 'a followed collab')
    .description('Stop following a collab and drop its copy')
    .action((collab: string, o: HubOptions) => run('sync unfollow', () => unfollow(collab, o)));
  const mirror = sync.command('mirror').description('The copies of the public collabs this hub follows');
  withHub(mirror.command('status', { isDefault: true }))
    .description('Each followed collab: live or offline, how old its copy is, its size and budget')
    .action((o: HubOptions) => run('sync mirror status', () => mirrorStatus(o)));
  withHub(mirror.command('show'))
    .argument('<org/collab>', 'a followed collab')
    .option('--kind <kind>', 'message, result or agent', 'message')
    .option('--limit <n>', 'how many', int('--limit', 1), 20)
    .description("A followed collab's newest messages, results or agents, from the copy (works offline)")
    .action((collab: string, o: HubOptions & { kind: string; limit: number }) =>
      run('sync mirror show', () => mirrorShow(collab, o)),
    );
}
