// A test file's (or describe block's) own hub: started before its tests, stopped and removed after them.
import { afterAll, beforeAll } from 'vitest';
import type { HubConfig } from '../../src/shared/config';
import { startTestHub, type TestHub, type TestHubOptions } from './test-hub';

export interface WithHubOptions extends TestHubOptions {
  /** The start's hook timeout: generous, as a busy two-core machine starts a hub slowly. */
  timeoutMs?: number;
}

/**
 * Registers the beforeAll/afterAll pair most files repeated (startTestHub, then stop(true)) and returns a handle to
 * the hub they run. The handle exists at collection time, before the hub does, so a file can write
 * `const hub = withHub()` where it wrote `let hub: TestHub` and keep every test as it was; it forwards to the running
 * hub and throws if used outside hooks and tests. Register it before the hooks that use the hub: vitest runs
 * beforeAll hooks in order and afterAll hooks in reverse, so the hub is up for the file's own set-up and still up
 * for its own clean-up. Not for files that restart their hub or keep its data folder: the handle follows one hub.
 */
export function withHub(config: Partial<HubConfig> = {}, options: WithHubOptions = {}): TestHub {
  const { timeoutMs = 60_000, ...hubOptions } = options;
  let current: TestHub | undefined;
  const running = (): TestHub => {
    if (!current)
      throw new Error('withHub: the hub runs only from its beforeAll to its afterAll; use it inside hooks and tests');
    return current;
  };
  beforeAll(async () => {
    current = await startTestHub(config, undefined, hubOptions);
  }, timeoutMs);
  afterAll(async () => {
    const hub = current;
    current = undefined;
    await hub?.stop(true);
  }, timeoutMs);
  return {
    get url() {
      return running().url;
    },
    get dataDir() {
      return running().dataDir;
    },
    get organizerToken() {
      return running().organizerToken;
    },
    get running() {
      return running().running;
    },
    call: (method, path, callOptions) => running().call(method, path, callOptions),
    client: (token) => running().client(token),
    register: (agentId, extra) => running().register(agentId, extra),
    stop: (remove) => running().stop(remove),
    restart: () => running().restart(),
  };
}
