// The outbox's write budget mirrors the public collab's two token buckets, so it never sends a write the collab would refuse.
import { describe, expect, it } from 'vitest';
import { WriteBudget } from '../../../src/sync/outbox';

describe('WriteBudget', () => {
  it('allows a burst of 20, then one write every 3 s (20 a minute), per agent bucket', () => {
    const budget = new WriteBudget(20, 60);
    for (let i = 0; i < 20; i++) expect(budget.take('org/c-a', 0)).toBe(0);
    expect(budget.take('org/c-a', 0)).toBe(3000);
    // Another agent's bucket has its own budget.
    expect(budget.take('org/c-b', 0)).toBe(0);
    expect(budget.take('org/c-a', 2999)).toBeGreaterThan(0);
    expect(budget.take('org/c-a', 3000)).toBe(0);
    // Kept busy after the burst: no more than 20 in the next minute.
    let sent = 0;
    for (let t = 3100; t < 63_100; t += 100) if (budget.take('org/c-a', t) === 0) sent++;
    expect(sent).toBeLessThanOrEqual(21);
    expect(sent).toBeGreaterThanOrEqual(19);
  });

  it('the sustained bucket binds when it is the smaller one', () => {
    const budget = new WriteBudget(20, 10);
    for (let i = 0; i < 10; i++) expect(budget.take('k', 0)).toBe(0);
    expect(budget.take('k', 0)).toBe(6000);
  });

  it('waits out a Retry-After the collab asked for', () => {
    const budget = new WriteBudget(20, 60);
    budget.pause('k', 5000);
    expect(budget.take('k', 1000)).toBe(4000);
    expect(budget.take('k', 5000)).toBe(0);
  });
});
