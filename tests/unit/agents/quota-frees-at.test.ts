// When a local agent may be made to submit a job again after the hub refused one for its quota.
import { describe, expect, it } from 'vitest';
import { quotaFreesAt } from '../../../src/agents/local-agent';

describe('a quota refusal read for when a slot frees', () => {
  const now = Date.parse('2030-01-01T00:00:00.000Z');
  it("takes QUOTA_EXCEEDED's time, RATE_LIMITED's wait, else an hour", () => {
    expect(
      quotaFreesAt(
        'QUOTA_EXCEEDED: quota reached: 3 of 3 jobs in 24 h; the next slot frees at 2030-01-01T05:00:00.000Z (GET /v1/jobs/quota shows your quota)',
        now,
      ),
    ).toBe(Date.parse('2030-01-01T05:00:00.000Z'));
    expect(quotaFreesAt('RATE_LIMITED: too many jobs (retry after 90 s; write longer posts)', now)).toBe(now + 90_000);
    expect(quotaFreesAt('QUOTA_EXCEEDED: you already have 2 jobs waiting in the queue', now)).toBe(now + 3600_000);
  });
});
