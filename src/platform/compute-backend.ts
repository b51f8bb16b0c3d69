// Picks the compute backend for a run: CUDA when a GPU and its runtime are present, then Vulkan, then the CPU.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, availableParallelism } from 'node:os';
import { findBinaries, packageFor, type Flavor, type LlamaBinaries } from './llama-binaries';

export type BackendRequest = 'auto' | Flavor;

/**
 * No llama.cpp build (or a GPU library it needs) for the requested backend on this machine. Its own error, not the
 * engine's: the inference host and the system report pick backends too; the engine turns it into its BACKEND_MISSING.
 */
export class BackendMissingError extends Error {
  readonly code = 'BACKEND_MISSING';

  constructor(message: string) {
    super(message);
    this.name = 'BackendMissingError';
  }
}

export interface BackendChoice {
  binaries: LlamaBinaries;
  /** Why this backend: what was found or missing, for the result's provenance. */
  reason: string;
}

let sharedLibraries: string | null = null;

/** The dynamic loader's view of installed libraries (ldconfig -p), read once. */
function loaderCache(): string {
  if (sharedLibraries === null) {
    try {
      sharedLibraries = execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      try {
        sharedLibraries = execFileSync('/sbin/ldconfig', ['-p'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
      } catch {
        sharedLibraries = '';
      }
    }
  }
  return sharedLibraries;
}

function hasLibrary(name: string): boolean {
  return (
    loaderCache().includes(name) ||
    (process.env.LD_LIBRARY_PATH ?? '').split(':').some((d) => d && existsSync(`${d}/${name}`))
  );
}

/** Libraries each GPU flavor needs beyond what its package ships. */
const NEEDS: Record<Exclude<Flavor, 'cpu'>, Array<{ lib: string; how: string }>> = {
  cuda: [
    { lib: 'libcuda.so.1', how: 'install the NVIDIA driver' },
    { lib: 'libcudart.so.13', how: 'install the CUDA 13 runtime (cuda-cudart-13) or the CUDA toolkit 13' },
    { lib: 'libcublas.so.13', how: 'install cuBLAS 13 (libcublas-13) or the CUDA toolkit 13' },
  ],
  vulkan: [
    {
      lib: 'libvulkan.so.1',
      how: 'install a Vulkan loader and driver (e.g. apt-get install libvulkan1 mesa-vulkan-drivers)',
    },
  ],
};

/** What is missing for a flavor on this machine (empty when it can run). */
export function missingFor(flavor: Flavor): string[] {
  const missing: string[] = [];
  if (!findBinaries(flavor)) {
    const pkg = packageFor(flavor);
    missing.push(
      pkg ? `${pkg} (npm install ${pkg})` : `a ${flavor} build of llama.cpp for ${process.platform}-${process.arch}`,
    );
  }
  if (flavor !== 'cpu' && process.platform === 'linux') {
    for (const need of NEEDS[flavor]) if (!hasLibrary(need.lib)) missing.push(`${need.lib} (${need.how})`);
  }
  return missing;
}

export function chooseBackend(request: BackendRequest = 'auto'): BackendChoice {
  if (request !== 'auto') {
    const missing = missingFor(request);
    if (missing.length > 0) {
      throw new BackendMissingError(
        `the ${request} backend was requested but this machine lacks: ${missing.join('; ')}`,
      );
    }
    return { binaries: findBinaries(request)!, reason: `${request} requested` };
  }
  const skipped: string[] = [];
  for (const flavor of ['cuda', 'vulkan'] as const) {
    const missing = missingFor(flavor);
    if (missing.length === 0)
      return {
        binaries: findBinaries(flavor)!,
        reason: `${flavor}: found${skipped.length ? `; ${skipped.join('; ')}` : ''}`,
      };
    skipped.push(`${flavor} skipped (missing ${missing.map((m) => m.split(' ')[0]).join(', ')})`);
  }
  const cpu = findBinaries('cpu');
  if (!cpu)
    throw new BackendMissingError(
      `no llama.cpp build for ${process.platform}-${process.arch} is installed (${packageFor('cpu') ?? 'unsupported platform'})`,
    );
  return { binaries: cpu, reason: `cpu; ${skipped.join('; ')}` };
}

/**
 * Threads for llama.cpp on the CPU, always set explicitly: llama.cpp's default (4) on a 2-core machine decodes a
 * tiny model at 3-4 tok/s instead of thousands. One model gets every core. A target and a draft model each own a
 * thread pool, and pools that together ask for more threads than there are cores fight: measured on 2 cores,
 * target + Q8_0 draft ran at 23 tok/s with 2+2 threads and 174 tok/s with 1+1 (a 110 MB F32 target; plain
 * decode of it: 318 tok/s with 2 threads, 239 with 1). So with a draft model the cores are split between them.
 */
export function defaultThreads(withDraftModel: boolean): number {
  const cores = Math.max(1, Math.min(availableParallelism(), cpus().length));
  return withDraftModel ? Math.max(1, Math.floor(cores / 2)) : cores;
}
