// `collab-desk jobs submit|list|cancel`: benchmark jobs on a running hub, over its HTTP API like any agent.
import { Command, Option } from 'commander';
import type { ResultRecord } from '../shared/api';
import type { JobInfo, JobList } from '../shared/challenge';
import { SPEC_TYPES } from '../shared/run-config';
import { readFileSync } from 'node:fs';
import { call, CliError, int, run, withHub, type HubOptions } from './hub-call';

function line(j: JobInfo): string {
  const what =
    j.progress && j.state === 'running'
      ? ` ${j.progress.phase} ${j.progress.done}/${j.progress.total}${j.progress.tps ? ` ${j.progress.tps.toFixed(1)} tok/s` : ''}`
      : '';
  const where = j.state === 'queued' && j.queue_position !== null ? ` (position ${j.queue_position + 1})` : '';
  const end = j.result ? ` -> results/${j.result}` : j.error ? ` - ${j.error}` : '';
  return `${j.id}  ${j.state.padEnd(9)} ${j.kind.padEnd(8)} ${j.agent.padEnd(16)} ${j.method || String(j.config?.spec_type ?? '')}${where}${what}${end}`;
}

export function jobsCommand(): Command {
  const jobs = new Command('jobs').description("Benchmark jobs on the hub's GPU queue");

  withHub(jobs.command('submit'))
    .description(
      'Submit a run configuration: --config FILE (JSON), or the common settings as flags; model names come from the pack (GET /v1/challenge)',
    )
    .option('--config <file>', 'a JSON run configuration')
    .option('--target <model>', 'target model (a pack model name, or scratch:<path>)')
    .option('--draft <model>', 'draft model')
    .addOption(new Option('--spec-type <type>', 'speculative decoding').choices([...SPEC_TYPES]))
    .option('--draft-n-max <n>', 'most tokens drafted per step', int('--draft-n-max', 1))
    .option('--method <text>', 'what you tried, in a few words')
    .option('--description <text>', 'why, and what you expect')
    .option('--wait', 'follow the job until it ends and print its result', false)
    .action((o: HubOptions & Record<string, string | number | boolean | undefined>) =>
      run('jobs', async () => {
        let config: Record<string, unknown> = {};
        if (o.config) {
          try {
            config = JSON.parse(readFileSync(String(o.config), 'utf8')) as Record<string, unknown>;
          } catch (err) {
            throw new CliError(`--config ${String(o.config)}: ${(err as Error).message}`);
          }
        }
        if (o.target) config.target = o.target;
        if (o.draft) config.draft = o.draft;
        if (o.specType) config.spec_type = o.specType;
        if (o.draftNMax) config.draft_n_max = o.draftNMax;
        if (!config.target)
          throw new CliError('give --target (or a --config file with "target"); GET /v1/challenge lists the models');
        const job = await call<JobInfo>(o, 'POST', '/v1/jobs', {
          config,
          ...(o.method ? { method: o.method } : {}),
          ...(o.description ? { description: o.description } : {}),
        });
        console.log(line(job));
        if (!o.wait) return;
        let last = '';
        for (;;) {
          await new Promise((r) => setTimeout(r, 1000));
          const now = await call<JobInfo>(o, 'GET', `/v1/jobs/${job.id}`);
          const text = line(now);
          if (text !== last) console.error(text);
          last = text;
          if (now.state === 'succeeded' || now.state === 'failed' || now.state === 'cancelled') {
            if (now.state !== 'succeeded') process.exit(1);
            if (now.result) {
              const result = await call<ResultRecord>(o, 'GET', `/v1/results/${now.result}`);
              const f = result.frontmatter;
              console.log(
                `tps ${String(f.tps)} (95% CI ${JSON.stringify(f.tps_ci)}), speedup ${String(f.speedup ?? 'n/a')}, ppl ${String(f.ppl)}, status ${String(f.status)}, identical ${String(f.identical)}`,
              );
            }
            return;
          }
        }
      }),
    );

  withHub(jobs.command('list'))
    .description('List jobs, newest first')
    .option('--state <states>', 'comma-separated: queued, running, succeeded, failed, cancelled')
    .option('--agent <id>', "only this agent's jobs")
    .option('--json', 'print the JSON', false)
    .action((o: HubOptions & { state?: string; agent?: string; json: boolean }) =>
      run('jobs', async () => {
        const q = new URLSearchParams({
          ...(o.state ? { state: o.state } : {}),
          ...(o.agent ? { agent: o.agent } : {}),
        });
        const list = await call<JobList>(o, 'GET', `/v1/jobs?${q}`);
        if (o.json) return void console.log(JSON.stringify(list, null, 2));
        if (list.items.length === 0) console.log('no jobs');
        for (const j of list.items) console.log(line(j));
        if (list.lease) console.log(`the GPU lease is held by ${list.lease.job}`);
      }),
    );

  withHub(jobs.command('cancel'))
    .description('Cancel a job: a queued one is refunded, a running one is stopped')
    .argument('<id>', 'the job id')
    .action((id: string, o: HubOptions) =>
      run('jobs', async () => {
        console.log(line(await call<JobInfo>(o, 'DELETE', `/v1/jobs/${encodeURIComponent(id)}`)));
      }),
    );
  return jobs;
}
