// One build of llama.cpp's tools at a time on a machine: a second builder waits, a dead builder's lock is taken over.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withBuildLock } from '../../../src/bench/serving-tools';

const root = mkdtempSync(join(tmpdir(), 'build-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('withBuildLock', () => {
  it('runs builds of the same folder one after the other, and frees the lock after', async () => {
    const dir = join(root, 'tools-a');
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = withBuildLock(dir, async () => {
      order.push('first starts');
      await new Promise<void>((r) => (releaseFirst = r));
      order.push('first ends');
    });
    await expect.poll(() => order.length).toBe(1);
    const second = withBuildLock(dir, async () => void order.push('second runs'));
    // the second waits on the lock, however long the first takes
    await new Promise((r) => setTimeout(r, 1500));
    expect(order).toEqual(['first starts']);
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['first starts', 'first ends', 'second runs']);
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it('takes over the lock of a builder that died', async () => {
    const dir = join(root, 'tools-b');
    mkdirSync(`${dir}.lock`);
    // a pid no process has (above Linux's pid_max)
    writeFileSync(join(`${dir}.lock`, 'pid'), '4194305');
    expect(await withBuildLock(dir, async () => 'built')).toBe('built');
  });

  it('frees the lock when the build fails', async () => {
    const dir = join(root, 'tools-c');
    await expect(withBuildLock(dir, () => Promise.reject(new Error('g++ failed')))).rejects.toThrow('g++ failed');
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });
});
