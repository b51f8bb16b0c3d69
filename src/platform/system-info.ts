// What this machine is, for Settings: OS, CPU, memory, the llama.cpp backend it would run and its GPUs.
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, freemem, totalmem } from 'node:os';
import { join } from 'node:path';
import type { SystemInfo } from '../shared/models';
import { chooseBackend } from './compute-backend';
import { detectGpus } from './gpu-probe';
import { nodeLlamaCppFolder } from './llama-binaries';

/** The machine's description, read once; the GPU probe runs in the background and memory is read at each ask. */
export class SystemProbe {
  private fixed: Omit<SystemInfo, 'memory' | 'gpu'> | null = null;
  private gpu: SystemInfo['gpu'] = { state: 'detecting', devices: [], note: null };
  private gpuDetection: Promise<void> | null = null;

  async system(): Promise<SystemInfo> {
    if (!this.fixed) this.fixed = describeMachine();
    // The GPU probe runs a vendor tool: once, in the background; until it answers the GPU reads "detecting".
    this.gpuDetection ??= detectGpus(this.fixed.backend.flavor).then(
      ({ devices, note }) => void (this.gpu = { state: 'ready', devices, note }),
      (err: unknown) =>
        void (this.gpu = { state: 'ready', devices: [], note: `the GPU probe failed: ${(err as Error).message}` }),
    );
    await Promise.race([this.gpuDetection, new Promise((r) => setTimeout(r, 300).unref())]);
    return {
      ...this.fixed,
      memory: { total_bytes: totalmem(), free_bytes: freemem() },
      gpu: { ...this.gpu, devices: this.gpu.devices.map((d) => ({ ...d })) },
    };
  }
}

function describeMachine(): Omit<SystemInfo, 'memory' | 'gpu'> {
  let backend: SystemInfo['backend'];
  try {
    const choice = chooseBackend('auto');
    const metal = process.platform === 'darwin' && choice.binaries.packageName.includes('metal');
    backend = {
      flavor: metal ? 'metal' : choice.binaries.flavor,
      reason: choice.reason,
      llama_cpp_release: choice.binaries.release,
      package: choice.binaries.packageName,
    };
  } catch (err) {
    backend = { flavor: null, reason: (err as Error).message, llama_cpp_release: null, package: null };
  }
  let version: string | null = null;
  try {
    version =
      (JSON.parse(readFileSync(join(nodeLlamaCppFolder(), 'package.json'), 'utf8')) as { version?: string }).version ??
      null;
  } catch {
    version = null;
  }
  return {
    platform: process.platform,
    arch: process.arch,
    cpu: { model: cpus()[0]?.model.trim() ?? 'unknown', cores: availableParallelism() },
    backend,
    node_llama_cpp: version,
  };
}
