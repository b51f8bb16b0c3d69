// The inference host child's entry: reads its options and key, serves, says "ready" on stdout, and dies with its parent.
import { parseArgs } from 'node:util';
import { InferenceServer, type InferenceServerOptions } from './inference-server';

/** The env var the parent passes the key in; read once and removed, so nothing this process starts inherits it. */
const KEY_VAR = 'COLLAB_DESK_INFERENCE_KEY';

const say = (event: Record<string, unknown>) => void process.stdout.write(`${JSON.stringify(event)}\n`);
const log = (line: string) => void process.stderr.write(`${line}\n`);

function integer(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, not ${raw}`);
  return n;
}

function parseOptions(argv: string[], key: string): InferenceServerOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      sequences: { type: 'string' },
      port: { type: 'string' },
      threads: { type: 'string' },
      'gpu-layers': { type: 'string' },
      'context-size': { type: 'string' },
      'pause-grace-ms': { type: 'string' },
      'max-wait-ms': { type: 'string' },
      'llama-server': { type: 'string' },
      'llama-bins': { type: 'string' },
    },
    strict: true,
  });
  if (!values.model) throw new Error('--model PATH is required (a GGUF file)');
  const gpuLayersRaw = values['gpu-layers'];
  const gpuLayers =
    gpuLayersRaw === undefined || gpuLayersRaw === 'auto' ? gpuLayersRaw : integer('gpu-layers', gpuLayersRaw, 0);
  const options: InferenceServerOptions = { model: values.model, key, log };
  const set = <K extends keyof InferenceServerOptions>(k: K, v: InferenceServerOptions[K] | undefined) => {
    if (v !== undefined) options[k] = v;
  };
  set('sequences', integer('sequences', values.sequences, 1));
  set('port', integer('port', values.port, 0));
  set('threads', integer('threads', values.threads, 1));
  set('gpuLayers', gpuLayers as number | 'auto' | undefined);
  set('contextSize', integer('context-size', values['context-size'], 16));
  set('pauseGraceMs', integer('pause-grace-ms', values['pause-grace-ms'], 0));
  set('maxWaitMs', integer('max-wait-ms', values['max-wait-ms'], 1));
  if (values['llama-server'] || values['llama-bins']) {
    if (!values['llama-server'] || !values['llama-bins'])
      throw new Error('--llama-server PATH and --llama-bins DIR go together (the binary and the libraries it links)');
    options.llamaServer = { binary: values['llama-server'], bins: values['llama-bins'] };
  }
  return options;
}

async function main(): Promise<void> {
  const key = process.env[KEY_VAR];
  delete process.env[KEY_VAR];
  let server: InferenceServer | null = null;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    // A model that will not let go must not keep the process (and its memory) alive.
    setTimeout(() => process.exit(code), 5000).unref();
    try {
      await server?.close();
    } catch (err) {
      log(`inference: closing failed: ${(err as Error).message}`);
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  // Spawned with an IPC channel: it closes when the parent dies, however it dies.
  process.on('disconnect', () => void shutdown(0));
  // And in case the channel is missing or slow to notice: a new parent means the old one is gone.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown(0);
  }, 1000).unref();
  // One bad request must not take every agent's inference down; the request that caused it already got its error.
  process.on('unhandledRejection', (reason) =>
    log(`inference: unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}`),
  );

  try {
    if (!key)
      throw new Error(
        `${KEY_VAR} is not set: the inference host is started by InferenceHost.start, which passes a fresh key`,
      );
    const options = parseOptions(process.argv.slice(2), key);
    options.onEngineExit = (why) => {
      // its slots are gone: exit, so the supervisor starts the host (and llama-server) again
      log(`inference: ${why}`);
      void shutdown(1);
    };
    server = await InferenceServer.start(options);
  } catch (err) {
    say({ event: 'failed', error: (err as Error).message });
    log((err as Error).stack ?? String(err));
    process.exitCode = 1;
    await shutdown(1);
    return;
  }
  if (stopping) return;
  say({
    event: 'ready',
    port: server.port,
    backend: server.backend,
    model: server.modelId,
    backend_note: server.backendNote,
    engine: server.engine,
  });
}

void main();
