// The GPU lease shared by benchmark jobs and a pack install's calibration: one holder, the others wait their turn.
import { describe, expect, it } from 'vitest';
import { GpuLease } from '../../../src/hub/jobs/gpu-lease';

describe('the GPU lease', () => {
  it('makes a second taker wait, then hands the lease straight over (inference never hears it free between)', async () => {
    const lease = new GpuLease();
    const heard: Array<string | null> = [];
    lease.onChange((h) => void heard.push(h?.job ?? null));
    await lease.acquire('pack-install-demo', 0);
    let jobHolds = false;
    const job = lease.acquire('job-1', 0).then(() => (jobHolds = true));
    await Promise.resolve();
    expect(jobHolds).toBe(false);
    expect(lease.holder?.job).toBe('pack-install-demo');

    lease.release('pack-install-demo');
    await job;
    expect(lease.holder?.job).toBe('job-1');
    expect(heard).toEqual(['pack-install-demo', 'job-1']);
    lease.release('job-1');
    expect(lease.holder).toBeNull();
    expect(heard).toEqual(['pack-install-demo', 'job-1', null]);
  });

  it('serves waiters first come first served, and a cancelled wait leaves the queue', async () => {
    const lease = new GpuLease();
    await lease.acquire('job-1', 0);
    const cancel = new AbortController();
    const order: string[] = [];
    const gaveUp = lease.acquire('pack-install-gemma', 0, undefined, cancel.signal).catch((e: Error) => e.message);
    const second = lease.acquire('job-2', 0).then(() => order.push('job-2'));
    cancel.abort();
    expect(await gaveUp).toBe('pack-install-gemma stopped waiting for the GPU lease (held by job-1)');
    lease.release('job-1');
    await second;
    expect(order).toEqual(['job-2']);
    expect(lease.holder?.job).toBe('job-2');
  });

  it('gives the lease back however the work held under it ends, and runs no work cancelled while it waited', async () => {
    const lease = new GpuLease();
    await expect(
      lease.holdDuring('pack-install-demo', 0, () => Promise.reject(new Error('calibration failed'))),
    ).rejects.toThrow('calibration failed');
    expect(lease.holder).toBeNull();
    expect(await lease.holdDuring('pack-install-demo', 0, () => Promise.resolve(42))).toBe(42);
    expect(lease.holder).toBeNull();

    await lease.acquire('job-1', 0);
    const cancel = new AbortController();
    let ran = false;
    const held = lease.holdDuring(
      'pack-install-demo',
      0,
      async () => {
        ran = true;
      },
      cancel.signal,
    );
    cancel.abort();
    await expect(held).rejects.toThrow('stopped waiting for the GPU lease');
    expect(ran).toBe(false);
    expect(lease.holder?.job).toBe('job-1');
  });
});
