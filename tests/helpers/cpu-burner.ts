// Busy processes that load the CPU while a measurement runs: "agents starting", "a background build", a busy machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';

export interface CpuBurner {
  stop(): Promise<void>;
}

/** Starts one spinning process per core (or `count`); resolves once each has started spinning. */
export async function burnCpu(count = cpus().length): Promise<CpuBurner> {
  const children: ChildProcess[] = [];
  await Promise.all(
    Array.from({ length: count }, () => {
      const child = spawn(process.execPath, ['-e', "process.stdout.write('spinning\\n'); for (;;) {}"], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      children.push(child);
      return new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('error', reject);
      });
    }),
  );
  return {
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}
