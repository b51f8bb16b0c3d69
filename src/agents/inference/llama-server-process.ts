// One llama-server child on loopback: started with a model and N slots, ready once /health says so, stopped for good.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

/** A free loopback port: asked of the kernel, then released for llama-server to take (it cannot report one it chose). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Where llama-server is and what it links: the binary and the folder of the shipped libraries. */
export interface LlamaServerBinary {
  binary: string;
  /** The working directory, where ggml_backend_load_all() finds the backends (libggml-cpu-*.so, libggml-cuda.so). */
  bins: string;
}

export interface LlamaServerOptions extends LlamaServerBinary {
  model: string;
  slots: number;
  /** Tokens of context per slot: -c is slots x this. */
  slotContext: number;
  threads: number;
  /** Layers on the GPU; undefined leaves it to llama-server (it fits the model to the device's memory). */
  gpuLayers?: number;
  /** Arguments added at the end (the bench's --metrics). */
  extraArgs?: string[];
}

/**
 * llama-server as a child: on loopback only, with a fresh API key it reads from its environment (so no other local
 * process can use it, and the key is not on its command line, which every user can read), an environment holding
 * nothing else of ours, and no web UI. `onExit` hears an exit that `stop` did not ask for.
 */
export class LlamaServerProcess {
  private stderrTail = '';
  private stopping = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly apiKey: string,
    readonly options: LlamaServerOptions,
  ) {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-16 * 1024);
    });
    child.stdout!.resume();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last lines llama-server wrote to stderr: what a failure is explained with. */
  lastLines(count = 15): string {
    return this.stderrTail.trimEnd().split('\n').slice(-count).join('\n');
  }

  /** Starts it and resolves once /health answers 200 (the model is loaded), or rejects with its last lines. */
  static async start(
    o: LlamaServerOptions,
    { readyTimeoutMs = 300_000, onExit }: { readyTimeoutMs?: number; onExit?: (why: string) => void } = {},
  ): Promise<LlamaServerProcess> {
    const port = await freeLoopbackPort();
    const args = [
      '-m',
      o.model,
      '-np',
      String(o.slots),
      '-c',
      String(o.slots * o.slotContext),
      '-t',
      String(o.threads),
      '-tb',
      String(o.threads),
      ...(o.gpuLayers !== undefined ? ['-ngl', String(o.gpuLayers)] : []),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--no-webui',
      ...(o.extraArgs ?? []),
    ];
    const apiKey = randomBytes(24).toString('base64url');
    const env: NodeJS.ProcessEnv = { LLAMA_API_KEY: apiKey };
    // only what finding the GPU needs; never the parent's secrets
    for (const name of ['PATH', 'CUDA_VISIBLE_DEVICES', 'HIP_VISIBLE_DEVICES', 'GGML_VK_VISIBLE_DEVICES'])
      if (process.env[name] !== undefined) env[name] = process.env[name];
    const child = spawn(o.binary, args, { cwd: o.bins, env, stdio: ['ignore', 'pipe', 'pipe'] });
    // Whatever ends this process (a hard exit after a stuck close included), llama-server goes with it: it holds the
    // model's memory. A signal in an exit handler is synchronous, which is all an exit handler may do.
    const killOnExit = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    const server = new LlamaServerProcess(child, `http://127.0.0.1:${port}`, apiKey, o);
    let ready = false;
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (err) => reject(new Error(`llama-server could not start (${o.binary}): ${err.message}`)));
      child.once('exit', (code, signal) => {
        const why = `llama-server exited (${code ?? signal})`;
        if (ready && !server.stopping) onExit?.(`${why}:\n${server.lastLines()}`);
        reject(new Error(`${why} before it was ready:\n${server.lastLines()}`));
      });
    });
    exited.catch(() => {});
    const deadline = Date.now() + readyTimeoutMs;
    try {
      for (;;) {
        const ok = await Promise.race([
          fetch(`${server.url}/health`).then(
            (r) => r.status === 200,
            () => false,
          ),
          exited,
        ]);
        if (ok) break;
        if (Date.now() > deadline)
          throw new Error(`llama-server did not get ready within ${readyTimeoutMs / 1000} s:\n${server.lastLines()}`);
        // its HTTP port opens before the model loads (/health says 503 meanwhile): ask again shortly
        await Promise.race([new Promise((r) => setTimeout(r, 100)), exited]);
      }
    } catch (err) {
      await server.stop();
      throw err;
    }
    ready = true;
    return server;
  }

  /** Asks it to exit (SIGTERM, SIGKILL after 5 s) and resolves once it has. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}
