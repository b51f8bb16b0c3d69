// Handing sequences to agents: each agent back to its own sequence, FIFO when all are busy, nothing while paused.
import { describe, expect, it } from 'vitest';
import { POOL_WAIT_TIMEOUT, SequencePool } from '../../../src/agents/inference/sequence-pool';

const settledSoon = async <T>(p: Promise<T>): Promise<T | 'pending'> =>
  Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), 20))]);

describe('sequence pool', () => {
  it('gives an agent the sequence it used last (its KV cache), and a fresh one to a new agent', async () => {
    const pool = new SequencePool(['s0', 's1', 's2']);
    const a = await pool.acquire('a');
    const b = await pool.acquire('b');
    expect(new Set([a.value, b.value]).size).toBe(2);
    pool.release(a);
    pool.release(b);
    expect((await pool.acquire('b')).value).toBe(b.value);
    expect((await pool.acquire('c')).value).toBe('s2'); // never used: nobody's cache is lost
    expect((await pool.acquire('a')).value).toBe(a.value);
  });

  it('queues in arrival order when every sequence is busy', async () => {
    const pool = new SequencePool(['only']);
    const first = await pool.acquire('a');
    const order: string[] = [];
    const waiting = ['b', 'c', 'd'].map((agent) => pool.acquire(agent).then((slot) => (order.push(agent), slot)));
    expect(pool.queued).toBe(3);
    for (let i = 0; i < 3; i++) {
      pool.release(i === 0 ? first : await waiting[i - 1]!);
      await waiting[i];
    }
    expect(order).toEqual(['b', 'c', 'd']);
  });

  it('hands out nothing while paused; waiters keep their place, and an interrupted one goes first', async () => {
    const pool = new SequencePool(['s0']);
    pool.pause();
    const waiting = pool.acquire('a');
    const again = pool.acquire('b', { front: true });
    expect(await settledSoon(waiting)).toBe('pending');
    pool.resume();
    const slot = await again;
    expect(slot.lastAgent).toBe('b');
    pool.release(slot);
    expect((await waiting).lastAgent).toBe('a');
  });

  it('gives up after the wait bound, and when the client goes away', async () => {
    const pool = new SequencePool(['s0']);
    await pool.acquire('a');
    await expect(pool.acquire('b', { timeoutMs: 10 })).rejects.toThrow(POOL_WAIT_TIMEOUT);
    const gone = new AbortController();
    const waiting = pool.acquire('c', { signal: gone.signal });
    gone.abort(new Error('client left'));
    await expect(waiting).rejects.toThrow('client left');
    expect(pool.queued).toBe(0);
  });
});
