// `collab-desk demo`: a hub, the demo challenge (generated models) and three local agents working it, on any CPU.
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Leaderboard } from '../shared/api';
import { engineJobRunner } from '../bench/job-runner';
import { checkModelFile } from '../bench/engine';
import { defaultCacheDir } from '../bench/hf-cache';
import { createModelLibrary } from '../bench/model-library';
import { scanModels } from '../bench/model-scan';
import { findPackFile, installPack, readInstalledPack, readPack, shippedPacksFolder } from '../bench/pack-install';
import { superviseBeside } from '../agents/supervisor';
import { isGeneratedModel } from '../agents/generated-model';
import { dataLayout, defaultDataFolder } from '../platform/data-folder';
import { hubGoal } from '../hub/challenge';
import { startHub } from '../hub/server';
import { clockTime, demoSummary, narrateAgents, narrateHub } from './demo-narration';
import { int } from './hub-call';
import { SETTLED_AGENT_STATES as SETTLED } from '../shared/swarm';

/** Names of model files that are not chat models: drafters, MTP heads, embedders. */
const NOT_A_CHAT_MODEL = /draft|assistant|mtp|embed|vocab/i;

/**
 * A real chat model already on this machine, to offer in place of the random-weight one: a shipped pack's target
 * first (the Hugging Face cache, or the default data folder's own pack), else any other GGUF there that is not a
 * drafter. Null when there is none, or the look fails (an offer is never worth failing the demo for).
 */
async function realChatModel(): Promise<string | null> {
  try {
    const own = dataLayout(defaultDataFolder());
    const targets = new Set<string>();
    for (const name of ['gemma', 'demo']) {
      const pack = readPack(join(shippedPacksFolder(), `${name}.json`));
      for (const m of Object.values(pack.models))
        if (m.role === 'target' && 'hf' in m.source) targets.add(`${m.source.hf.repo}/${m.source.hf.file}`);
    }
    const scan = await scanModels(
      { cacheDir: defaultCacheDir(), modelsDir: own.models, packFile: own.challengePack },
      [],
    );
    const candidates = scan.installed.filter((m) => !NOT_A_CHAT_MODEL.test(m.name));
    const isPackTarget = (m: (typeof candidates)[number]) =>
      Boolean(m.repo && m.file && targets.has(`${m.repo}/${m.file}`));
    // A shipped pack's target first; a generated random-weight model (its header says so) thinks no better than the
    // demo's own, wherever it lies.
    for (const m of [...candidates.filter(isPackTarget), ...candidates.filter((m) => !isPackTarget(m))])
      if (!(await isGeneratedModel(m.path))) return m.path;
    return null;
  } catch {
    return null;
  }
}

/** A path as one shell word: as it is when nothing in it is special, else single-quoted. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** --model: an existing GGUF file, or a refusal that says what was wrong and what to give instead. */
function checkAgentModel(path: string): string {
  const file = resolve(path);
  try {
    checkModelFile(file, "agents'");
  } catch (err) {
    console.error(
      `collab-desk demo: ${(err as Error).message.replace(/^the agents' model /, '--model ')}; give the path of a GGUF chat model file (llama.cpp's format; the dashboard's Models panel lists the installed ones), or leave --model out to think with the random-weight demo model`,
    );
    process.exit(1);
  }
  return file;
}

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
    .option(
      '--keep',
      'with --max-steps: after the summary, keep the hub (and its dashboard) running until Ctrl-C',
      false,
    )
    .option(
      '--model <gguf>',
      'the GGUF chat model the agents think with (default: the random-weight demo target, whose text is noise); jobs still benchmark the generated models',
    )
    .option('--step-delay <ms>', "pause between an agent's steps", int('--step-delay', 0), 1000)
    .action(
      async (o: {
        data: string;
        port: number;
        agents: number;
        maxSteps?: number;
        keep: boolean;
        model?: string;
        stepDelay: number;
      }) => {
        // Checked before anything is made: a wrong --model leaves no data folder behind.
        const chosenModel = o.model === undefined ? null : checkAgentModel(o.model);
        const layout = dataLayout(resolve(o.data));
        let pack = readInstalledPack(layout.challengePack);
        // Installed by a version that kept the private prompts in pack.json (no held-out set): installed again.
        if (pack?.id !== 'demo' || !pack.private_set || !Object.values(pack.model_paths).every((p) => existsSync(p))) {
          console.log('installing the demo challenge (generated models, offline)…');
          pack = await installPack(findPackFile('demo'), {
            dest: layout.challengePack,
            modelsDir: layout.models,
            // Calibration's job file holds the held-out prompts: inside the data folder, not the system temp folder.
            bench: { workDir: join(layout.root, 'tmp') },
            log: (line) => console.error(line),
          });
        }
        // Without --model the agents think with the generated random-weight target: its "thoughts" are noise, but
        // every call it makes is a real, schema-valid call through the real hub, and every job a real llama.cpp run.
        const agentModel = chosenModel ?? pack.model_paths[pack.baseline.target]!;
        const models = createModelLibrary({ dataDir: layout.root, agentModel: () => agentModel });
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
        const supervisor = superviseBeside(running, { agentModel, stepDelayMs: o.stepDelay });
        console.log(`hub: ${running.url}   (agents read ${running.url}/README.md)`);
        console.log(`dashboard: ${running.url}/   (organizer token: ${running.organizerTokenPath})`);
        console.log(`data folder: ${layout.root}`);
        console.log(`goal: ${hubGoal(running.hub)}`);
        if (chosenModel)
          console.log(`agents think with: ${chosenModel} (jobs still benchmark the demo pack's generated models)`);
        else {
          console.log(
            `agents think with: the random-weight demo model ${basename(agentModel)}: its posts and titles are noise; the calls, jobs and measurements are real`,
          );
          const real = await realChatModel();
          // The command to paste: this demo's own folder kept, paths quoted for the shell where they need it.
          const folder =
            resolve(o.data) === join(defaultDataFolder(), 'demo') ? '' : ` --data ${shellWord(layout.root)}`;
          if (real)
            console.log(
              `thinking with a random-weight demo model; for readable posts run: collab-desk demo --model ${shellWord(real)}${folder}`,
            );
        }

        // The story from the hub's own event bus: the baseline, each job, result and verdict as it happens.
        const unnarrate = narrateHub(running.hub, (line) => console.log(line));
        let closing = false;
        const close = async (code: number) => {
          if (closing) return;
          closing = true;
          unnarrate();
          await running.close();
          process.exit(code);
        };
        process.on('SIGINT', () => void close(0));
        process.on('SIGTERM', () => void close(0));
        // A model llama.cpp cannot load (too big, not a chat model) is refused here: said in one line, the hub closed.
        const started = await supervisor
          .spawn({ count: o.agents, kind: 'local', ...(o.maxSteps ? { max_steps: o.maxSteps } : {}) })
          .catch(async (err: Error & { hint?: string }) => {
            console.error(
              `collab-desk demo: the agents could not start: ${err.message}${err.hint ? ` (${err.hint})` : ''}`,
            );
            await close(1);
            return [];
          });
        for (const a of started) console.log(`agent ${a.agent_id}: ${a.role}, direction ${a.direction}`);
        console.log(`watch: collab-desk agents list --hub ${running.url} --data ${layout.root}`);
        if (!o.maxSteps) console.log('stop: Ctrl-C (the demo runs until then)');

        const report = narrateAgents((line) => console.log(line));
        const settled = new Promise<void>((done) => {
          const check = () => {
            const status = supervisor.status();
            report(status);
            if (status.agents.every((a) => SETTLED.has(a.state))) done();
          };
          supervisor.onChange(check);
          check();
        });
        if (!o.maxSteps) return;

        // A bounded demo: wait for every agent to finish its steps and the queue to run their jobs (and the
        // verifications they earn), then summarize.
        await settled;
        await running.hub.jobQueue?.idle();
        const board = await fetch(`${running.url}/v1/leaderboard`).then((r) => r.json() as Promise<Leaderboard>);
        for (const line of demoSummary(running.hub, supervisor.status(), board)) console.log(line);
        if (!o.keep) return close(0);
        console.log(
          `\n${clockTime(Date.now())} the agents are done; the hub keeps running: ${running.url}/ (Ctrl-C stops it)`,
        );
      },
    );
}
