// The GPUs this machine has and what they are doing, asked of the vendor tools (nvidia-smi, vulkaninfo): cheap, and
// no llama.cpp backend is loaded into the asking process.
import { execFile } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import type { MachineState } from '../shared/challenge';
import type { GpuDevice } from '../shared/models';

const run = (command: string, args: string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 5_000, encoding: 'utf8', windowsHide: true }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });

/** The GPUs and a note on whether llama.cpp can use them with the backend flavor it found (null: none found). */
export async function detectGpus(flavor: string | null): Promise<{ devices: GpuDevice[]; note: string | null }> {
  if (process.platform === 'darwin' && process.arch === 'arm64') {
    return {
      devices: [
        { name: `${cpus()[0]?.model ?? 'Apple silicon'} GPU (Metal)`, vram_bytes: totalmem(), vram_free_bytes: null },
      ],
      note: 'unified memory: the GPU shares the RAM',
    };
  }
  const smi = await run('nvidia-smi', [
    '--query-gpu=name,memory.total,memory.free',
    '--format=csv,noheader,nounits',
  ]).catch(() => null);
  const nvidia = parseNvidiaSmi(smi ?? '');
  if (nvidia.length > 0) {
    return {
      devices: nvidia,
      note:
        flavor === 'cuda'
          ? null
          : `llama.cpp does not use it here: its CUDA build or runtime is missing (backend: ${flavor ?? 'none'})`,
    };
  }
  if (flavor === 'vulkan') {
    const info = await run('vulkaninfo', ['--summary']).catch(() => '');
    const names = [...info.matchAll(/deviceName\s*=\s*(.+)/g)].map((m) => m[1]!.trim());
    if (names.length > 0)
      return { devices: names.map((name) => ({ name, vram_bytes: null, vram_free_bytes: null })), note: null };
  }
  return {
    devices: [],
    note:
      flavor && flavor !== 'cpu'
        ? `llama.cpp has a ${flavor} build but no GPU answered`
        : 'no GPU found: llama.cpp runs on the CPU',
  };
}

/** `nvidia-smi --query-gpu=name,memory.total,memory.free --format=csv,noheader,nounits` lines (MiB). */
export function parseNvidiaSmi(text: string): GpuDevice[] {
  const mib = (v: string | undefined) =>
    v !== undefined && /^\d+(\.\d+)?$/.test(v.trim()) ? Math.round(Number(v) * 2 ** 20) : null;
  return text
    .split(/\r?\n/)
    .map((line) => line.split(',').map((s) => s.trim()))
    .filter((f) => f[0])
    .map(([name, total, free]) => ({ name: name!, vram_bytes: mib(total), vram_free_bytes: mib(free) }));
}

/** The NVIDIA GPU's name, utilization and memory, and how many other processes use it (nvidia-smi), or null. */
export async function nvidiaState(ownPids: number[]): Promise<MachineState['gpu']> {
  const query = (args: string[]) =>
    new Promise<string | null>((resolve) => {
      execFile('nvidia-smi', args, { timeout: 3000 }, (err, stdout) => resolve(err ? null : stdout));
    });
  const gpu = await query([
    '--query-gpu=name,utilization.gpu,memory.used,memory.total',
    '--format=csv,noheader,nounits',
  ]);
  if (!gpu?.trim()) return null;
  const [name, util, used, total] = gpu
    .trim()
    .split('\n')[0]!
    .split(',')
    .map((s) => s.trim());
  const num = (s: string | undefined) => (s !== undefined && s !== '' && Number.isFinite(Number(s)) ? Number(s) : null);
  const apps = await query(['--query-compute-apps=pid', '--format=csv,noheader']);
  const others =
    apps === null
      ? null
      : apps
          .split('\n')
          .map((l) => Number(l.trim()))
          .filter((pid) => pid > 0 && !ownPids.includes(pid)).length;
  return {
    name: name ?? 'unknown GPU',
    utilization_before: num(util),
    memory_used_mib: num(used),
    memory_total_mib: num(total),
    other_processes: others,
  };
}
