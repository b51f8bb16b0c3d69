// What every benchmark prints around its figures: the machine it ran on, and timed progress lines on stderr.
import { cpus, loadavg } from 'node:os';

const started = performance.now();

/** Seconds since the benchmark started, as printed in its progress lines and its closing line. */
export function elapsed(): string {
  return `${((performance.now() - started) / 1000).toFixed(0)} s`;
}

/** Progress goes to stderr, so stdout holds only the figures (and can be kept as the run's record). */
export function progress(msg: string): void {
  process.stderr.write(`  [${elapsed()}] ${msg}\n`);
}

/** The first line of a benchmark's report: figures mean little without the machine they came from. */
export function machineHeader(bench: string): string {
  return `collab-desk ${bench} bench — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}`;
}

/** The one-minute load average, as printed beside figures that other processes could have disturbed. */
export function load1(): string {
  return loadavg()[0]!.toFixed(2);
}

/** The share of all cores busy over one second, from the kernel's per-core counters (before anything of ours runs). */
export async function cpuBusy(): Promise<number> {
  const total = () =>
    cpus().reduce(
      (acc, c) => ({ idle: acc.idle + c.times.idle, all: acc.all + Object.values(c.times).reduce((x, y) => x + y, 0) }),
      { idle: 0, all: 0 },
    );
  const before = total();
  await new Promise((r) => setTimeout(r, 1000));
  const after = total();
  const all = after.all - before.all;
  return all > 0 ? 1 - (after.idle - before.idle) / all : 0;
}
