// npm run check:gpu on a machine without a GPU: it says what is missing and how to get it, builds nothing, exits 0;
// a stand-in nvidia-smi (this machine has none) shows that it finds the driver and then names the missing CUDA runtime.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingFor } from '../../src/platform/compute-backend';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** The script as `npm run check:gpu` runs it, with its own cache folder so a build would show up as new files. */
function checkGpu(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bench/check-gpu.ts', ...args],
      { env: { ...process.env, COLLAB_DESK_CACHE: cache, ...env }, encoding: 'utf8', timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let cache: string;
let fakeBin: string;
beforeAll(() => {
  cache = mkdtempSync(join(tmpdir(), 'check-gpu-cache-'));
  fakeBin = mkdtempSync(join(tmpdir(), 'check-gpu-bin-'));
  folders.push(cache, fakeBin);
  // What a real nvidia-smi prints for the query check:gpu makes (name, MiB total, MiB free, driver version).
  const smi = join(fakeBin, 'nvidia-smi');
  writeFileSync(smi, '#!/bin/sh\necho "NVIDIA H200, 143771, 143000, 570.124.06"\n');
  chmodSync(smi, 0o755);
});

const hasRealGpu = () => (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, 'nvidia-smi')));

describe.skipIf(process.platform !== 'linux' || hasRealGpu())('check:gpu without a GPU', () => {
  it('skips with one plain message naming the missing driver and how to get it, and builds nothing', async () => {
    const run = await checkGpu([]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^SKIP check:gpu: no NVIDIA driver/)]);
    expect(run.stdout).toMatch(/nvidia-smi is not on PATH/);
    expect(run.stdout).toMatch(/ubuntu-drivers install/);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('exits 3 instead when a GPU is required', async () => {
    const run = await checkGpu(['--require-gpu']);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/^SKIP check:gpu: no NVIDIA driver/);
  });

  it('finds the driver through nvidia-smi, then names the missing CUDA toolkit runtime and how to install it', async () => {
    const run = await checkGpu([], { PATH: `${fakeBin}${delimiter}${process.env.PATH}` });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^GPU: NVIDIA H200, 140 GiB \(NVIDIA driver 570\.124\.06\)$/m);
    const skip = run.stdout.split('\n').find((l) => l.startsWith('SKIP'));
    // what the dynamic loader lacks here (this machine has a partial CUDA 13: libcudart without libcublas)
    const lacking = missingFor('cuda')
      .filter((m) => /^lib(cudart|cublas)/.test(m))
      .map((m) => m.split(' ')[0]!.replaceAll('.', '\\.'));
    expect(lacking.length).toBeGreaterThan(0);
    expect(skip).toMatch(
      new RegExp(`found the GPU and its driver, but no CUDA toolkit 13 runtime: ${lacking.join(' and ')} not found`),
    );
    expect(skip).toMatch(/apt-get install cuda-cudart-13-0 libcublas-13-0/);
    expect(skip).not.toMatch(/no NVIDIA driver/);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('prints the plan it would run under --dry-run, and why it would skip here', async () => {
    const run = await checkGpu(['--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/on this machine it would skip: no NVIDIA driver/);
    const steps = run.stdout.split('\n').filter((l) => /^\s+\d+\. /.test(l));
    expect(steps.map((s) => s.trim())).toEqual([
      expect.stringMatching(/^1\. npm run build:cli/),
      expect.stringMatching(/^2\. build the CUDA native runner/),
      expect.stringMatching(/^3\. generate a tiny llama model .* gemma4/),
      expect.stringMatching(/^4\. native runner, llama model: -ngl 999.*offloaded N\/N layers to GPU/),
      expect.stringMatching(/^5\. native runner, gemma4 \+ MTP drafter/),
      expect.stringMatching(/^6\. node-llama-cpp .*gpu: 'cuda'/),
      expect.stringMatching(/^7\. inference host on node-llama-cpp/),
      expect.stringMatching(/^8\. inference host on llama-server: llama-server built .* CUDA/),
      expect.stringMatching(/^9\. BENCH_GPU_LAYERS=999 npm run bench:engine/),
      expect.stringMatching(/^10\. npm run bench:agents/),
    ]);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('refuses an unknown option by name', async () => {
    const run = await checkGpu(['--gpu']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/check:gpu: Unknown option '--gpu'.*Options: --dry-run, --no-bench, --require-gpu/);
  });
});
