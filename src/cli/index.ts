// The `collab-desk` command line: the hub headless (with its swarm), the demo, the challenge and its jobs, agents, benchmark runs, model files, the public collab.
import { Command, InvalidArgumentError } from 'commander';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { superviseBeside } from '../agents/supervisor';
import { swarmLlamaServer } from '../bench/serving-tools';
import { createModelLibrary } from '../bench/model-library';
import { takeHfToken } from '../platform/hf-token';
import { installedPackTarget } from '../bench/pack-install';
import { createPackInstaller } from '../bench/pack-installer';
import { dataLayout, defaultDataFolder } from '../platform/data-folder';
import { agentsCommand } from './agents-command';
import { benchCommand } from './bench-command';
import { demoCommand } from './demo-command';
import { challengeCommand } from './challenge-command';
import { jobsCommand } from './jobs-command';
import { registerMcpCommand } from './mcp-command';
import { engineJobRunner } from '../bench/job-runner';
import { modelsCommand } from './models-command';
import { syncCommand } from './sync-command';
import { syncBeside } from './sync-beside';
import { APP_VERSION, startHub } from '../hub/server';
import { DataFolderBusyError } from '../hub/data-folder-lock';

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535 (0 picks a free port)');
  return n;
}

const program = new Command()
  .name('collab-desk')
  .description('A private agent collaboration on your own machine')
  .version(APP_VERSION);

program
  .command('hub')
  .description('Run the hub headless: the /v1 API, the onboarding README and the live event stream')
  .option(
    '--data <dir>',
    'data folder (the record, scratch and central files, the organizer token)',
    defaultDataFolder(),
  )
  .option('--port <n>', 'port to listen on (0 picks a free one)', port, 4440)
  .option('--host <host>', 'address to bind; keep 127.0.0.1 unless other machines must reach the hub', '127.0.0.1')
  .option('--log', 'log every request (JSON lines on stderr)', false)
  .option(
    '--agent-model <gguf>',
    "the chat model local agents think with (default: the installed pack's target: the demo's generated model, or gemma-4-E4B-it)",
  )
  .option('--no-swarm', 'run no agent swarm beside the hub')
  .option(
    '--no-llama-server',
    'local agents decode on node-llama-cpp only (default: on llama-server, built once from the bundled llama.cpp source in the background; node-llama-cpp until then)',
  )
  .option(
    '--strict-identity',
    'require a bearer token on every write, even on loopback (config.json: strict_identity); off the loopback, tokens are always required',
    false,
  )
  .action(
    async (opts: {
      data: string;
      port: number;
      host: string;
      log: boolean;
      agentModel?: string;
      swarm: boolean;
      llamaServer: boolean;
      strictIdentity: boolean;
    }) => {
      let running;
      const dataDir = resolve(opts.data);
      // The outermost folder of --data's path that does not exist yet: a failed start removes it, and only it.
      let created: string | null = null;
      for (let dir = dataDir; !existsSync(dir); dir = dirname(dir)) created = dir;
      const chosen = opts.agentModel ? resolve(opts.agentModel) : null;
      const packFile = dataLayout(dataDir).challengePack;
      const agentModel = () => chosen ?? installedPackTarget(packFile);
      // The models panel: the HF cache and the data folder's models. The token (HF_TOKEN, or the file `hf auth login`
      // writes) is read when a pull needs it and reaches the Hub only; no process the hub starts inherits it.
      const startEnv = { ...process.env };
      const hfToken = takeHfToken();
      const models = createModelLibrary({
        dataDir,
        accessToken: hfToken,
        agentModel: () => (opts.swarm ? agentModel() : null),
      });
      try {
        running = await startHub({
          dataDir,
          host: opts.host,
          port: opts.port,
          // Only when given: without the flag, config.json's strict_identity stands.
          ...(opts.strictIdentity ? { config: { strict_identity: true } } : {}),
          // On stderr, as --log says: stdout starts with the `hub listening on` line scripts read.
          logger: opts.log ? { level: 'info', stream: process.stderr } : false,
          jobRunner: engineJobRunner(),
          models,
          packs: createPackInstaller({
            dest: packFile,
            modelsDir: dataLayout(dataDir).models,
            workDir: join(dataDir, 'tmp'),
            accessToken: hfToken,
          }),
        });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const reason =
          e.code === 'EADDRINUSE'
            ? `port ${opts.port} is already in use (another hub?); pick another with --port, or --port 0 for any free port`
            : e.code === 'EACCES'
              ? `not allowed to listen on ${opts.host}:${opts.port}; use a port above 1023`
              : e.message;
        console.error(`collab-desk hub: ${reason}`);
        // Only a folder this start made and no other hub holds: a busy folder was made by the hub that holds it.
        if (created && !(err instanceof DataFolderBusyError)) rmSync(created, { recursive: true, force: true });
        process.exit(1);
      }
      // Publishing to public collabs: the outbox resumes what an earlier run left unsent.
      syncBeside(running, { startEnv });
      console.log(`hub listening on ${running.url}`);
      console.log(`organizer token: ${running.organizerTokenPath}`);
      console.log(`data folder: ${running.hub.layout.root}`);
      console.log(`agents join by reading ${running.url}/README.md`);
      console.log(
        running.hub.tokenlessWrites
          ? 'identity: as the public collab (writes without a token name their agent by bucket or agent_id); --strict-identity requires tokens'
          : 'identity: every write needs a bearer token',
      );
      console.log(`dashboard: ${running.url}/ (sign in with the organizer token to post and control agents)`);
      if (opts.swarm) {
        superviseBeside(running, {
          agentModel,
          secrets: () => [hfToken()],
          ...(opts.llamaServer ? { inference: { llamaServer: swarmLlamaServer() } } : {}),
        });
        console.log('swarm: collab-desk agents start --count 3 [--model PATH]');
      }
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.error(`collab-desk hub: ${signal}, closing`);
        running.close().then(
          () => process.exit(0),
          (err: unknown) => {
            console.error(`collab-desk hub: error while closing: ${(err as Error).message}`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    },
  );

program.addCommand(benchCommand());
program.addCommand(modelsCommand());
program.addCommand(challengeCommand());
program.addCommand(jobsCommand());
program.addCommand(agentsCommand());
program.addCommand(demoCommand());
program.addCommand(syncCommand());
registerMcpCommand(program);

await program.parseAsync(process.argv);
