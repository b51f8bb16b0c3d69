// A test file's dashboard: a hub (its own, or one the file already set up) and a Chromium session on it, closed after.
import { afterAll, beforeAll } from 'vitest';
import type { HubConfig } from '../../../src/shared/config';
import type { TestHub } from '../../helpers/test-hub';
import { withHub } from '../../helpers/with-hub';
import { openDashboard, type DashboardSession, type OpenOptions } from './dashboard-browser';

export interface WithDashboardOptions {
  /** The hub the page opens on, from the file's own `withHub()`: its seeding hooks, registered in between, run first. */
  hub?: TestHub;
  /** Without `hub`: the config of the hub started for the page. */
  config?: Partial<HubConfig>;
  /** How the page opens; a function, as the organizer token exists only once the hub runs. */
  open?: (hub: TestHub) => OpenOptions;
  /** Runs once the page is open, still inside the set-up hook (a first selector, a default timeout). */
  ready?: (session: DashboardSession) => Promise<void> | void;
  /** The set-up hook's timeout: a browser launch on a busy two-core machine takes a while. */
  timeoutMs?: number;
}

/**
 * Registers the hub-plus-browser set-up the e2e files repeated (start a hub, open the dashboard on it; close the
 * browser, then stop the hub) and returns handles to both. Like `withHub`, the session handle exists before the
 * session does and forwards to it, so tests keep `session.page` and `const { page } = session` as they were. The page
 * opens in a beforeAll registered where `withDashboard` is called: after the hub's start and after any seeding hook
 * registered before it, so what the page shows first is what it showed when one hook did it all.
 */
export function withDashboard(options: WithDashboardOptions = {}): { hub: TestHub; session: DashboardSession } {
  const hub = options.hub ?? withHub(options.config);
  const timeoutMs = options.timeoutMs ?? 60_000;
  let current: DashboardSession | undefined;
  const open = (): DashboardSession => {
    if (!current)
      throw new Error(
        'withDashboard: the session is open only from its beforeAll to its afterAll; use it inside hooks and tests',
      );
    return current;
  };
  beforeAll(async () => {
    current = await openDashboard(hub.url, options.open?.(hub) ?? {});
    await options.ready?.(current);
  }, timeoutMs);
  afterAll(async () => {
    const session = current;
    current = undefined;
    await session?.close();
  }, timeoutMs);
  const session: DashboardSession = {
    get browser() {
      return open().browser;
    },
    get context() {
      return open().context;
    },
    get page() {
      return open().page;
    },
    get pageErrors() {
      return open().pageErrors;
    },
    newPage: (more) => open().newPage(more),
    screenshot: (name) => open().screenshot(name),
    close: () => open().close(),
  };
  return { hub, session };
}
