// The fits hint: where a model of a given size runs on a described machine (VRAM, RAM with CPU offload, too big), and
// the folder walk that measures disk use (hard links once, links not followed).
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderUsage, measureFolder } from '../../../src/bench/folder-usage';
import { modelFit, neededBytes } from '../../../src/bench/model-fit';
import { formatBytes } from '../../../src/shared/bytes';

const GiB = 2 ** 30;

type Machine = Parameters<typeof modelFit>[1];

/** A Linux machine with CUDA GPUs of these sizes (null: still detecting them). */
const machine = (ram: number, vram: number[] | null): Machine => ({
  platform: 'linux',
  arch: 'x64',
  backend: { flavor: vram?.length ? 'cuda' : 'cpu', reason: '', llama_cpp_release: null, package: null },
  memory: { total_bytes: ram, free_bytes: ram / 2 },
  gpu:
    vram === null
      ? { state: 'detecting', devices: [], note: null }
      : {
          state: 'ready',
          devices: vram.map((v, i) => ({ name: `GPU ${i}`, vram_bytes: v, vram_free_bytes: v - GiB / 4 })),
          note: null,
        },
});

/** An Apple silicon Mac as gpu-probe reports it: the Metal GPU's "VRAM" is the whole RAM. */
const mac = (ram: number): Machine => ({
  platform: 'darwin',
  arch: 'arm64',
  backend: { flavor: 'metal', reason: '', llama_cpp_release: null, package: null },
  memory: { total_bytes: ram, free_bytes: ram / 2 },
  gpu: {
    state: 'ready',
    devices: [{ name: 'Apple M2 GPU (Metal)', vram_bytes: ram, vram_free_bytes: null }],
    note: 'unified memory: the GPU shares the RAM',
  },
});

describe('modelFit', () => {
  it('needs about the file plus the KV cache and buffers', () => {
    expect(neededBytes(4 * GiB)).toBeGreaterThan(4 * GiB);
    expect(neededBytes(4 * GiB)).toBeLessThan(5.5 * GiB);
  });

  it('fits in VRAM when the estimate fits the CUDA GPUs together, and says the figures', () => {
    const fit = modelFit(5 * GiB, machine(32 * GiB, [4 * GiB, 4 * GiB]));
    expect(fit).toMatchObject({ verdict: 'vram', vram_bytes: 8 * GiB, ram_bytes: 32 * GiB, provisional: false });
    expect(fit.detail).toContain('needs about 6.0 GiB (the 5.0 GiB file plus the KV cache');
    expect(fit.detail).toContain('VRAM 8.0 GiB (7.5 GiB free now); RAM 32 GiB');
  });

  it('spills into RAM when VRAM is too small, runs on the CPU without a GPU, and is too big beyond both', () => {
    expect(modelFit(7.5 * GiB, machine(32 * GiB, [8 * GiB])).verdict).toBe('ram');
    expect(modelFit(7.5 * GiB, machine(32 * GiB, [8 * GiB])).detail).toContain('larger than VRAM');
    const cpu = modelFit(7.5 * GiB, machine(16 * GiB, []));
    expect(cpu).toMatchObject({ verdict: 'ram', vram_bytes: null });
    expect(cpu.detail).toContain('no GPU found');
    expect(cpu.detail).toContain('runs on the CPU from RAM');
    const big = modelFit(40 * GiB, machine(16 * GiB, [8 * GiB]));
    expect(big.verdict).toBe('too-big');
    expect(big.detail).toContain('larger than VRAM and the RAM left beside other programs together');
  });

  it('measures "fits in RAM" against the RAM the OS and other programs leave (about 85%), not all of it', () => {
    // Needs about 15.9 GiB: within 16 GiB of RAM, beyond the 13.6 GiB (shown as 14 GiB) left beside other programs.
    const fit = modelFit(14 * GiB, machine(16 * GiB, []));
    expect(fit.verdict).toBe('too-big');
    expect(fit.detail).toContain('about 14 GiB of it left beside the OS and other programs (assumed 85%)');
    expect(modelFit(11 * GiB, machine(16 * GiB, [])).verdict).toBe('ram');
  });

  it('counts unified memory once on Apple silicon: the GPU gets about 2/3 of the RAM, never RAM plus "VRAM"', () => {
    const fits = modelFit(8 * GiB, mac(16 * GiB));
    // Needs about 9.3 GiB: within the GPU's 10.7 GiB share of 16 GiB.
    expect(fits).toMatchObject({ verdict: 'vram', ram_bytes: 16 * GiB });
    expect(fits.vram_bytes).toBe(Math.round((16 * GiB * 2) / 3));
    expect(fits.detail).toContain("fits in the GPU's share of the unified memory");
    expect(fits.detail).toContain('unified memory 16 GiB, shared by the CPU and the GPU');
    expect(fits.detail).toContain('about 11 GiB of it (assumed 2/3 of the RAM)');
    expect(fits.detail).not.toContain('VRAM');
    // Beyond the GPU's share, within the RAM left: the rest of the layers run on the CPU.
    const spills = modelFit(11 * GiB, mac(16 * GiB));
    expect(spills.verdict).toBe('ram');
    expect(spills.detail).toContain("larger than the GPU's share of the unified memory");
    // 20 GiB would fit RAM + "VRAM" (32 GiB) as the probe reports them, but not the one 16 GiB pool.
    const big = modelFit(20 * GiB, mac(16 * GiB));
    expect(big.verdict).toBe('too-big');
    expect(big.detail).toContain('larger than the unified memory left beside the OS and other programs');
    // A bigger Mac lets the GPU have about 3/4.
    expect(modelFit(40 * GiB, mac(64 * GiB))).toMatchObject({ verdict: 'vram', vram_bytes: 48 * GiB });
    expect(modelFit(40 * GiB, mac(64 * GiB)).detail).toContain('assumed 3/4 of the RAM');
  });

  it('says the GPU memory is unknown, not that there is no GPU, for a GPU whose memory the probe could not read', () => {
    const vulkan: Machine = {
      ...machine(32 * GiB, []),
      backend: { flavor: 'vulkan', reason: '', llama_cpp_release: null, package: null },
      gpu: {
        state: 'ready',
        devices: [{ name: 'AMD Radeon RX 7600', vram_bytes: null, vram_free_bytes: null }],
        note: null,
      },
    };
    const fit = modelFit(4 * GiB, vulkan);
    expect(fit).toMatchObject({ verdict: 'ram', vram_bytes: null });
    expect(fit.detail).toContain('GPU memory unknown (AMD Radeon RX 7600)');
    expect(fit.detail).toContain('how much of it the GPU can hold is unknown');
    expect(fit.detail).not.toContain('no GPU');
    expect(fit.detail).not.toContain('runs on the CPU from RAM');
    const big = modelFit(40 * GiB, vulkan);
    expect(big.verdict).toBe('too-big');
    expect(big.detail).toContain('unless the GPU (memory unknown) holds the rest');
  });

  it('says so while the GPU is still being detected', () => {
    const fit = modelFit(GiB, machine(16 * GiB, null));
    expect(fit).toMatchObject({ verdict: 'ram', provisional: true });
    expect(fit.detail).toContain('the GPU is still being detected');
  });
});

describe('formatBytes', () => {
  it('says sizes in binary units, one decimal below 10; the README drops a whole ".0"', () => {
    expect(formatBytes(900)).toBe('900 B');
    expect(formatBytes(300 * 1024)).toBe('300 KiB');
    expect(formatBytes(2 * GiB)).toBe('2.0 GiB');
    expect(formatBytes(1.5 * GiB)).toBe('1.5 GiB');
    expect(formatBytes(2 * GiB, { wholeWithoutDecimal: true })).toBe('2 GiB');
    expect(formatBytes(1.5 * GiB, { wholeWithoutDecimal: true })).toBe('1.5 GiB');
  });
});

describe('measureFolder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'collab-desk-usage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts every file once: a hard link not twice, a symbolic link not at all; bytes per top-level name', async () => {
    mkdirSync(join(dir, 'a', 'deep', 'er'), { recursive: true });
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a', 'deep', 'er', 'one.bin'), Buffer.alloc(1000));
    linkSync(join(dir, 'a', 'deep', 'er', 'one.bin'), join(dir, 'a', 'hard.bin'));
    symlinkSync(join(dir, 'a', 'deep', 'er', 'one.bin'), join(dir, 'b', 'soft.bin'));
    writeFileSync(join(dir, 'top.db'), Buffer.alloc(300));
    const size = await measureFolder(dir);
    expect(size.bytes).toBe(1300);
    expect(Object.fromEntries(size.byTop)).toEqual({ a: 1000, 'top.db': 300 });
    expect((await measureFolder(dir, [join(dir, 'a')])).bytes).toBe(300);
    expect((await measureFolder(join(dir, 'nothing-here'))).bytes).toBe(0);
  });

  it('remembers a figure until it is older than allowed or something changed', async () => {
    const usage = new FolderUsage({ maxAgeMs: 60_000, waitMs: 5_000 });
    const first = await usage.read(dir);
    writeFileSync(join(dir, 'later.bin'), Buffer.alloc(500));
    expect((await usage.read(dir)).size!.bytes).toBe(first.size!.bytes);
    usage.invalidate();
    expect((await usage.read(dir)).size!.bytes).toBe(first.size!.bytes + 500);
  });
});
