// Token-bucket rate limits per caller and kind of write; a refusal says how long to wait (Retry-After).
import { HubError } from './hub-error';

export interface BucketRule {
  /** Most requests allowed at once. */
  capacity: number;
  /** Requests regained per second. */
  refillPerSecond: number;
  /** Used in the message: e.g. "5 per minute". */
  label: string;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Takes one token from every rule's bucket, or none of them and throws RATE_LIMITED. */
  take(key: string, what: string, rules: BucketRule[]): void {
    const now = this.clock();
    const states = rules.map((rule, i) => {
      const id = `${key}#${i}`;
      let b = this.buckets.get(id);
      if (!b) {
        b = { tokens: rule.capacity, at: now };
        this.buckets.set(id, b);
      }
      // A clock that steps back (NTP, a suspended laptop's correction) neither drains a bucket nor refills it twice.
      b.tokens = Math.min(rule.capacity, b.tokens + (Math.max(0, now - b.at) / 1000) * rule.refillPerSecond);
      b.at = Math.max(b.at, now);
      return { rule, b };
    });
    const empty = states.filter((s) => s.b.tokens < 1);
    if (empty.length > 0) {
      const waitS = Math.max(...empty.map((s) => (1 - s.b.tokens) / s.rule.refillPerSecond));
      const retry = Math.max(1, Math.ceil(waitS));
      throw new HubError(
        'RATE_LIMITED',
        `too many ${what}: the limit is ${empty.map((s) => s.rule.label).join(' and ')}`,
        `retry after ${retry} s; write longer, less frequent posts`,
        { 'Retry-After': String(retry) },
      );
    }
    for (const s of states) s.b.tokens -= 1;
    if (this.buckets.size > 50_000) this.prune(now);
  }

  private prune(now: number): void {
    for (const [id, b] of this.buckets) if (now - b.at > 3_600_000) this.buckets.delete(id);
  }
}

export function perMinute(n: number, capacity = n): BucketRule {
  return { capacity, refillPerSecond: n / 60, label: `${n} per minute` };
}

export function perHour(n: number): BucketRule {
  return { capacity: n, refillPerSecond: n / 3600, label: `${n} per hour` };
}
