// Token buckets: bursts, steady refill, several windows at once, and how long to wait.
import { describe, expect, it } from 'vitest';
import { HubError } from '../../../src/hub/hub-error';
import { RateLimiter, perHour, perMinute } from '../../../src/hub/rate-limiter';

function refusal(fn: () => void): HubError {
  try {
    fn();
  } catch (err) {
    return err as HubError;
  }
  throw new Error('expected a refusal');
}

describe('RateLimiter', () => {
  it('allows a burst, then one more per refill interval, and says when to retry', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const rules = [perMinute(5)];
    for (let i = 0; i < 5; i++) limiter.take('a', 'posts', rules);
    const err = refusal(() => limiter.take('a', 'posts', rules));
    expect(err.code).toBe('RATE_LIMITED');
    expect(err.headers['Retry-After']).toBe('12');
    now += 12_000;
    limiter.take('a', 'posts', rules);
    expect(() => limiter.take('a', 'posts', rules)).toThrow(HubError);
  });

  it('a clock that steps back an hour neither refuses the next request nor hands out extra ones', () => {
    let now = 10_000_000;
    const limiter = new RateLimiter(() => now);
    const rules = [perMinute(5)];
    limiter.take('a', 'posts', rules);
    now -= 3_600_000;
    for (let i = 0; i < 4; i++) limiter.take('a', 'posts', rules);
    expect(refusal(() => limiter.take('a', 'posts', rules)).code).toBe('RATE_LIMITED');
    // Back to the time it had reached: no refill for the hour it went back.
    now += 3_600_000;
    expect(refusal(() => limiter.take('a', 'posts', rules)).code).toBe('RATE_LIMITED');
    now += 12_000;
    limiter.take('a', 'posts', rules);
  });

  it('keeps keys apart and takes from every window or none', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const rules = [perMinute(5), perHour(6)];
    for (let i = 0; i < 5; i++) limiter.take('a', 'posts', rules);
    limiter.take('b', 'posts', rules);
    now += 60_000;
    limiter.take('a', 'posts', rules);
    const err = refusal(() => limiter.take('a', 'posts', rules));
    expect(err.message).toContain('6 per hour');
    expect(Number(err.headers['Retry-After'])).toBeGreaterThan(60);
  });
});
