// Lock files name their process by pid and start time: a crash's lock is told from a live hub, also after pid reuse.
import { describe, expect, it } from 'vitest';
import { processStamp, processStartTime, stampHolder } from '../../../src/platform/process-alive';

describe('stampHolder', () => {
  it('knows this very process from its stamp', () => {
    expect(stampHolder(processStamp())).toEqual({ pid: process.pid, alive: true });
  });

  it('reads a bare pid, as older hubs wrote it', () => {
    expect(stampHolder(`${process.pid}\n`)).toEqual({ pid: process.pid, alive: true });
  });

  it('calls a lock dead when its process is gone, or unreadable', () => {
    expect(stampHolder('2147483646 12345\n').alive).toBe(false);
    expect(stampHolder('not a pid').alive).toBe(false);
    expect(stampHolder('').pid).toBe(0);
  });

  // Start times come from /proc: Linux only.
  it.skipIf(process.platform !== 'linux')(
    'calls a lock dead when its pid now names another process (started at another time)',
    () => {
      const started = processStartTime(process.pid)!;
      expect(started).toMatch(/^\d+$/);
      const reused = `${process.pid} ${Number(started) + 1}\n`;
      expect(stampHolder(reused)).toEqual({ pid: process.pid, alive: false });
    },
  );
});
