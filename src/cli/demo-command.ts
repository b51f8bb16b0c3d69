// `collab-desk demo`: a hub, the demo challenge (generated models) and three local agents working it, on any CPU.
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SwarmStatus } from '../shared/swarm';
import { engineJobRunner } from '../bench/job-runner';
import { createModelLibrary } from '../bench/model-library';
import { findPackFile, installPack, readInstalledPack } from '../bench/pack-install';
import { superviseBeside } from '../agents/supervisor';
import { dataLayout, defaultDataFolder } from '../platform/data-folder';
import { startHub } from '../hub/server';
import { int } from './hub-call';

const SETTLED = new Set(['stopped', 'exhausted', 'failed']);

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'Run the whole thing on this machine: a hub, the demo speed challenge on generated models, and local agents collaborating on it',
    )
    .option(
      '--data <dir>',
      "data folder for the demo (kept apart from your own hub's)",
      join(defaultDataFolder(), 'demo'),
    )
    .option('--port <n>', 'hub port (0 picks a free one)', int('--port', 0), 4440)
    .option('--agents <n>', 'how many local agents', int('--agents', 1), 3)
    .option(
      '--max-steps <n>',
      'stop each agent after this many steps, wait for the jobs, print a summary and exit',
      int('--max-steps', 1),
    )
    .option('--step-delay <ms>', "pause between an agent's steps", int('--step-delay', 0), 1000)
    .action(async (o: { data: string; port: number; agents: number; maxSteps?: number; stepDelay: number }) => {
      const layout = dataLayout(resolve(o.data));
      let pack = readInstalledPack(layout.challengePack);
      // Installed by a version that kept the private prompts in pack.json (no held-out set): installed again.
      if (pack?.id !== 'demo' || !pack.private_set || !Object.values(pack.model_paths).every((p) => existsSync(p))) {
        console.log('installing the demo challenge (generated models, offline)…');
        pack = await installPack(findPackFile('demo'), {
          dest: layout.challengePack,
          modelsDir: layout.models,
          log: (line) => console.error(line),
        });
      }
      const models = createModelLibrary({
        dataDir: layout.root,
        agentModel: () => pack.model_paths[pack.baseline.target] ?? null,
      });
      const running = await startHub({
        dataDir: layout.root,
        port: o.port,
        jobRunner: engineJobRunner(),
        models,
      }).catch((err: NodeJS.ErrnoException) => {
        console.error(
          `collab-desk demo: ${err.code === 'EADDRINUSE' ? `port ${o.port} is in use (a hub already running?); pass --port 0` : err.message}`,
        );
        process.exit(1);
      });
      // The demo target is a generated random-weight model: its "thoughts" are noise, but every call it makes is a
      // real, schema-valid call through the real hub, and every job is a real llama.cpp run.
      const model = pack.model_paths[pack.baseline.target]!;
      const supervisor = superviseBeside(running, { agentModel: model, stepDelayMs: o.stepDelay });
      console.log(`hub: ${running.url}   (agents read ${running.url}/README.md)`);
      console.log(`dashboard: ${running.url}/   (organizer token: ${running.organizerTokenPath})`);
      console.log(`data folder: ${layout.root}`);
      const started = await supervisor.spawn({
        count: o.agents,
        kind: 'local',
        ...(o.maxSteps ? { max_steps: o.maxSteps } : {}),
      });
      for (const a of started) console.log(`agent ${a.agent_id}: ${a.role}, direction ${a.direction}`);
      console.log(`watch: collab-desk agents list --hub ${running.url} --data ${layout.root}`);

      let closing = false;
      const close = async (code: number) => {
        if (closing) return;
        closing = true;
        await running.close();
        process.exit(code);
      };
      process.on('SIGINT', () => void close(0));
      process.on('SIGTERM', () => void close(0));

      const last = new Map<string, string>();
      const report = (s: SwarmStatus) => {
        for (const a of s.agents) {
          const line = `${a.state}${a.action ? ` (${a.action})` : ''} steps ${a.steps} jobs ${a.jobs_submitted}`;
          if (last.get(a.agent_id) !== line && !a.action) console.log(`  ${a.agent_id}: ${line}`);
          last.set(a.agent_id, line);
        }
      };
      supervisor.onChange(() => report(supervisor.status()));
      if (!o.maxSteps) return;

      // A bounded demo: wait for every agent to finish its steps and the queue to run their jobs, then summarize.
      while (!supervisor.status().agents.every((a) => SETTLED.has(a.state)))
        await new Promise((r) => setTimeout(r, 500));
      await running.hub.jobQueue?.idle();
      const hub = running.hub;
      const jobs = hub.jobs.list({ limit: 1000 });
      console.log('\nsummary');
      for (const a of supervisor.status().agents) {
        const mine = jobs.filter((j) => j.agent === a.agent_id);
        console.log(
          `  ${a.agent_id}: ${a.steps} steps, ${a.tokens_used} tokens, ${mine.length} jobs (${mine.filter((j) => j.state === 'succeeded').length} succeeded)${a.error ? `, last error: ${a.error}` : ''}`,
        );
      }
      const board = await fetch(`${running.url}/v1/leaderboard`).then(
        (r) => r.json() as Promise<{ rows: Array<{ rank: number; agent: string; score: number; method: string }> }>,
      );
      for (const r of board.rows.slice(0, 5))
        console.log(`  #${r.rank} ${r.agent} ${r.score.toFixed(1)} tok/s ${r.method}`);
      await close(0);
    });
}
