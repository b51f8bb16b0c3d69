// What else the machine does while a measurement runs: other processes' CPU share, load, and the GPU's other users.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { MachineState } from '../shared/challenge';
import { nvidiaState } from '../platform/gpu-probe';

/** One reading of the machine's CPU counters and the measuring process's own, in clock ticks. */
interface CpuReading {
  at: number;
  total: number;
  busy: number;
  own: number;
}

/** How often the monitor reads the counters while a measurement runs (its worst window is reported as the peak). */
const SAMPLE_MS = 1000;

/** Busy and total ticks of all cores (Linux /proc/stat), or null where there is no such file. */
function machineTicks(): { total: number; busy: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const total = f.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { total, busy: total - idle };
  } catch {
    return null;
  }
}

/** User + system ticks of one process, all its threads (Linux /proc/<pid>/stat); 0 once it is gone. */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces: count fields after its closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function read(pids: number[]): CpuReading | null {
  const m = machineTicks();
  if (!m) return null;
  return { at: Date.now(), total: m.total, busy: m.busy, own: pids.reduce((a, p) => a + processTicks(p), 0) };
}

/**
 * Shorter windows hold too few clock ticks (10 ms each) to tell a disturbance from rounding: no figure then.
 */
const MIN_WINDOW_MS = 300;

/** Others' share of the machine between two readings: busy ticks not spent by the measuring processes, over all ticks. */
function otherShare(a: CpuReading, b: CpuReading): number | null {
  const total = b.total - a.total;
  if (total <= 0 || b.at - a.at < MIN_WINDOW_MS) return null;
  return Math.min(1, Math.max(0, (b.busy - a.busy - (b.own - a.own)) / total));
}

function round(x: number | null, digits = 3): number | null {
  return x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits));
}

/**
 * Watches the machine around one measurement. `start` takes the state before it (load, others' CPU over the window
 * since the monitor was created), `stop` the state during it. The measuring processes' own CPU time is not counted:
 * what is left is what other processes took from the machine while it measured.
 */
export class MachineMonitor {
  private readonly created: CpuReading | null;
  private before: { load: number; other: number | null; reading: CpuReading | null } | null = null;
  private readonly windows: number[] = [];
  private last: CpuReading | null = null;
  private timer: NodeJS.Timeout | null = null;
  private gpu: Promise<MachineState['gpu']> | null = null;
  private stopped: Promise<MachineState> | null = null;

  constructor(
    /** The processes doing the measurement (the runner; this process too when it measures in-process). */
    private readonly pids: number[],
    private readonly onGpu: boolean,
  ) {
    this.created = read(pids);
  }

  /** Marks the start of the measurement. */
  start(): void {
    const now = read(this.pids);
    this.before = {
      load: loadavg()[0]!,
      other: this.created && now ? otherShare(this.created, now) : null,
      reading: now,
    };
    this.last = now;
    if (this.onGpu) this.gpu = nvidiaState(this.pids);
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  private sample(): void {
    const now = read(this.pids);
    if (this.last && now) {
      const share = otherShare(this.last, now);
      if (share !== null) this.windows.push(share);
    }
    this.last = now;
  }

  /** Marks the end of the measurement and reports the machine's state around it; later calls get the same report. */
  stop(): Promise<MachineState> {
    this.stopped ??= this.report();
    return this.stopped;
  }

  private async report(): Promise<MachineState> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const end = read(this.pids);
    if (this.last && end) {
      const share = otherShare(this.last, end);
      if (share !== null) this.windows.push(share);
    }
    const during = this.before?.reading && end ? otherShare(this.before.reading, end) : null;
    return {
      cores: cpus().length,
      load_before: round(this.before?.load ?? loadavg()[0]!, 2)!,
      load_after: round(loadavg()[0]!, 2)!,
      other_cpu_before: round(this.before?.other ?? null),
      other_cpu_during: round(during),
      other_cpu_peak: round(this.windows.length ? Math.max(...this.windows) : during),
      gpu: this.gpu ? await this.gpu : null,
    };
  }
}
