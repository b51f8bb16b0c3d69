// The jobs store against a real hub that runs no jobs: the filter it asks with, and a refused read kept with the hub's words.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../helpers/test-hub';
import { useJobs } from '../../../src/renderer/src/stores/jobs-store';
import { routeFetchTo, signIn } from './hub-fetch';

let hub: TestHub;
let undoFetch: () => void;
const asked: string[] = [];

beforeAll(async () => {
  hub = await startTestHub();
  undoFetch = routeFetchTo(hub.url);
  const routed = globalThis.fetch;
  globalThis.fetch = ((input: string, init?: RequestInit) => {
    asked.push(input);
    return routed(input, init);
  }) as typeof fetch;
  signIn(hub.organizerToken);
});

afterAll(async () => {
  signIn(null);
  undoFetch();
  await hub.stop(true);
});

describe('jobs store', () => {
  it('asks the hub for the states the filter names and the agent typed, trimmed', async () => {
    asked.length = 0;
    await useJobs.getState().setFilter('active', '  alice ');
    expect(useJobs.getState()).toMatchObject({ filter: 'active', agent: 'alice', limit: 50 });
    expect(asked).toContain('/v1/jobs?state=queued%2Crunning&agent=alice&limit=50');
    expect(useJobs.getState().jobs).toEqual([]);
  });

  it("keeps a refused read as the error in the hub's words, with its hint on what to do", async () => {
    await useJobs.getState().load();
    expect(useJobs.getState().status).toBe('failed');
    // A hub started without a job runner: the refusal names why and how to get one that runs jobs.
    expect(useJobs.getState().error).toBe(
      'this hub runs no benchmark jobs — start it with `collab-desk hub` (which runs them) or the desktop app',
    );
  });
});
