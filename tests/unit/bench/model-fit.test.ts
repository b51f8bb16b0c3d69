// The fits hint: where a model of a given size runs on a described machine (VRAM, RAM with CPU offload, too big), and
// the folder walk that measures disk use (hard links once, links not followed).
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderUsage, measureFolder } from '../../../src/bench/folder-usage';
import { modelFit, neededBytes } from '../../../src/bench/model-fit';
import type { SystemInfo } from '../../../src/shared/models';

const GiB = 2 ** 30;

const machine = (ram: number, vram: number[] | null): Pick<SystemInfo, 'memory' | 'gpu'> => ({
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

describe('modelFit', () => {
  it('needs about the file plus the KV cache and buffers', () => {
    expect(neededBytes(4 * GiB)).toBeGreaterThan(4 * GiB);
    expect(neededBytes(4 * GiB)).toBeLessThan(5.5 * GiB);
  });

  it('fits in VRAM when the estimate fits the GPUs together, and says the figures', () => {
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
    expect(cpu.detail).toContain('no GPU memory found');
    const big = modelFit(40 * GiB, machine(16 * GiB, [8 * GiB]));
    expect(big.verdict).toBe('too-big');
    expect(big.detail).toContain('larger than RAM and VRAM together');
  });

  it('says so while the GPU is still being detected', () => {
    const fit = modelFit(GiB, machine(16 * GiB, null));
    expect(fit).toMatchObject({ verdict: 'ram', provisional: true });
    expect(fit.detail).toContain('the GPU is still being detected');
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
