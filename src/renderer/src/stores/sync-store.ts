// The Hugging Face account and the connected collabs as the hub's sync service sees them (GET /v1/sync), with sign-in.
import { create } from 'zustand';
import type {
  BrowserLogin,
  CollabAgent,
  CollabRegisterBody,
  DeviceLogin,
  SyncCollab,
  SyncLogoutResponse,
  SyncStatus,
} from '@shared/sync-api';
import { liveEvents, sharedSubscription } from '../connection/live-events';
import { syncService } from '../services/sync';
import { asSyncAction, SYNC_DISABLED, syncProblem, type SyncProblem } from './sync-problem';

/** How often a device-code sign-in is checked: the person is typing a code in another tab, seconds matter little. */
export const DEVICE_POLL_MS = 2500;

interface SyncState {
  status: SyncStatus | null;
  /** Why the status could not be read (SYNC_DISABLED: the hub runs without the sync service). */
  problem: SyncProblem | null;
  loading: boolean;
  /** The user code of a device sign-in the person cancelled here: it is no longer shown nor waited on. */
  dismissedCode: string | null;
  /** Whether the page is checking, every few seconds, whether a device-code sign-in went through. */
  polling: boolean;
  load(): Promise<void>;
  /** Starts a device-code sign-in and checks on it until it is done or its code expires. */
  startDeviceLogin(): Promise<void>;
  /** Stops waiting on the device code (the hub forgets it when it expires). */
  cancelDeviceLogin(): void;
  signInWithToken(token: string): Promise<void>;
  /**
   * Starts a browser sign-in (OAuth + PKCE; the hub waits on loopback for the Hub's redirect) and checks on it until
   * signed in; resolves with the page to open.
   */
  startBrowserLogin(): Promise<BrowserLogin>;
  /** Signs out; resolves with what was removed and the logins elsewhere left alone (still usable by the hub). */
  signOut(): Promise<SyncLogoutResponse>;
  connect(target: string): Promise<SyncCollab>;
  register(body: CollabRegisterBody): Promise<CollabAgent>;
  /** Re-reads the status after the event stream comes back; returns the unsubscribe. */
  follow(): () => void;
}

/** Whether a device code can still be typed at `now`. */
export function isLive(login: Pick<DeviceLogin, 'expires_at'>, now = Date.now()): boolean {
  const expires = Date.parse(login.expires_at);
  return Number.isNaN(expires) || expires > now;
}

/** The device sign-in to show: under way on the hub, not signed in yet, not expired, not cancelled here. */
export function pendingDeviceLogin(
  s: Pick<SyncState, 'status' | 'dismissedCode'>,
  now = Date.now(),
): DeviceLogin | null {
  const login = s.status?.device_login;
  if (!login || s.status?.signed_in || login.user_code === s.dismissedCode || !isLive(login, now)) return null;
  return login;
}

/** The browser sign-in the hub is waiting on, while not signed in and not expired. */
export function pendingBrowserLogin(s: Pick<SyncState, 'status'>, now = Date.now()): BrowserLogin | null {
  const login = s.status?.browser_login;
  if (!login || s.status?.signed_in || !isLive(login, now)) return null;
  return login;
}

export const useSync = create<SyncState>((set, get) => {
  let pollTimer: ReturnType<typeof setTimeout> | null = null;
  const stopPolling = () => {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
    if (get().polling) set({ polling: false });
  };
  // One check at a time, each scheduled after the last answered: a slow hub never gets a pile of reads.
  const pollSoon = () => {
    if (pollTimer) clearTimeout(pollTimer);
    if (!get().polling) set({ polling: true });
    pollTimer = setTimeout(() => {
      pollTimer = null;
      void get().load();
    }, DEVICE_POLL_MS);
  };
  // After each read: keep checking while a code is waiting to be typed, stop once signed in, expired or cancelled.
  const afterRead = () => {
    if (pendingDeviceLogin(get()) || pendingBrowserLogin(get())) pollSoon();
    else stopPolling();
  };
  const mergeCollab = (collab: SyncCollab) => {
    const status = get().status;
    if (!status) return;
    const known = status.collabs.some((c) => c.id === collab.id);
    const collabs = known ? status.collabs.map((c) => (c.id === collab.id ? collab : c)) : [...status.collabs, collab];
    set({ status: { ...status, collabs } });
  };

  return {
    status: null,
    problem: null,
    loading: false,
    dismissedCode: null,
    polling: false,

    async load() {
      set({ loading: true });
      try {
        set({ status: await syncService.status(), problem: null, loading: false });
      } catch (err) {
        const problem = syncProblem(err);
        // A hub from before the sync routes has no /v1/sync at all: the same as one running without the service.
        set({ problem: problem.code === 'NOT_FOUND' ? { ...problem, code: SYNC_DISABLED } : problem, loading: false });
      }
      afterRead();
    },

    async startDeviceLogin() {
      const answer = await asSyncAction(() => syncService.login({}));
      const status = get().status;
      if (status)
        set({
          status: { ...status, signed_in: answer.signed_in ?? status.signed_in, device_login: answer.device_login },
        });
      // A fresh code: a cancelled earlier one no longer hides it.
      set({ dismissedCode: null });
      if (answer.signed_in) await get().load();
      else afterRead();
    },

    cancelDeviceLogin() {
      set({ dismissedCode: get().status?.device_login?.user_code ?? null });
      stopPolling();
    },

    async startBrowserLogin() {
      const answer = await asSyncAction(() => syncService.login({ browser: true }));
      const login = answer.browser_login;
      if (!login) throw new Error('this hub cannot sign in in the browser; use the code or a token');
      const status = get().status;
      if (status) set({ status: { ...status, browser_login: login, device_login: null } });
      afterRead();
      return login;
    },

    async signInWithToken(token) {
      await asSyncAction(() => syncService.login({ token }));
      await get().load();
    },

    async signOut() {
      const answer = await asSyncAction(() => syncService.logout());
      await get().load();
      return answer;
    },

    async connect(target) {
      const collab = await asSyncAction(() => syncService.connect(target.trim()));
      mergeCollab(collab);
      return collab;
    },

    async register(body) {
      const agent = await asSyncAction(() => syncService.register(body));
      const collab = get().status?.collabs.find((c) => c.id === body.collab);
      if (collab)
        mergeCollab({ ...collab, agents: [...collab.agents.filter((a) => a.agent_id !== agent.agent_id), agent] });
      return agent;
    },

    follow: sharedSubscription(() => [liveEvents.onResync(() => void get().load())]),
  };
});
