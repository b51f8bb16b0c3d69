// Who is looking and at which hub: the hub's self-description (features, score), the organizer token, the theme, the stream.
import { create } from 'zustand';
import type { HubDescription, MeResponse } from '@shared/api';
import { HubClientError } from '@shared/hub-error';
import type { DesktopBridge } from '@shared/desktop-bridge';
import { errorText, hasToken, setToken } from '../connection/hub-api';
import { liveEvents, type ConnectionState } from '../connection/live-events';
import { sessionService } from '../services/session';

export type Theme = 'system' | 'dark' | 'light';

const TOKEN_KEY = 'collab-desk.organizer-token';
/** How often the hub's self-description is re-read (features, title): cheap, and it rarely changes. */
const HUB_REFRESH_MS = 60_000;
const THEME_KEY = 'collab-desk.theme';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a plain browser. */
    collabDesk?: DesktopBridge;
  }
}

interface SessionState {
  status: 'loading' | 'ready' | 'failed';
  error: string | null;
  hub: HubDescription | null;
  /** Whose token the page holds; null reads only. */
  me: MeResponse | null;
  /** The token came from the desktop app (cannot be signed out of). */
  fromDesktop: boolean;
  connection: ConnectionState;
  theme: Theme;
  start(): Promise<void>;
  /** Re-reads GET /v1 (features change when a challenge is installed or the swarm starts). */
  refreshHub(): Promise<void>;
  signIn(token: string): Promise<void>;
  signOut(): void;
  setTheme(theme: Theme): void;
}

function applyTheme(theme: Theme): void {
  const dark = theme === 'dark' || (theme === 'system' && window.matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

export const useSession = create<SessionState>((set, get) => {
  let started = false;
  return {
    status: 'loading',
    error: null,
    hub: null,
    me: null,
    fromDesktop: false,
    connection: 'connecting',
    theme: (localStorage.getItem(THEME_KEY) as Theme | null) ?? 'system',

    async start() {
      // Once per page (React may mount the app twice in development): one set of listeners, one stream.
      if (started) return;
      started = true;
      applyTheme(get().theme);
      window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => applyTheme(get().theme));
      liveEvents.onState((connection) => set({ connection }));
      // Features change while the page is open (a challenge installed from the CLI): re-read when the stream comes
      // back, and now and then.
      liveEvents.onResync(() => void get().refreshHub());
      setInterval(() => void get().refreshHub(), HUB_REFRESH_MS);
      liveEvents.start();
      try {
        const hub = await sessionService.readHub();
        set({ hub });
      } catch (err) {
        set({ status: 'failed', error: errorText(err) });
        return;
      }
      // The desktop app hands its organizer token over IPC; a browser tab uses the one the person pasted, if any.
      const bridge = window.collabDesk;
      let token: string | null = null;
      if (bridge) {
        try {
          token = (await bridge.hubAccess()).token;
          set({ fromDesktop: true });
        } catch (err) {
          console.error('the desktop bridge gave no token', err);
        }
      }
      token ??= localStorage.getItem(TOKEN_KEY);
      if (token) {
        setToken(token);
        try {
          set({ me: await sessionService.readMe() });
        } catch (err) {
          // A token the hub refuses (stale, pasted wrong) is forgotten; any other failure keeps it for the next read.
          if (err instanceof HubClientError && (err.status === 401 || err.status === 403)) {
            setToken(null);
            if (!get().fromDesktop) localStorage.removeItem(TOKEN_KEY);
          }
        }
      }
      set({ status: 'ready' });
    },

    async refreshHub() {
      try {
        const hub = await sessionService.readHub();
        if (JSON.stringify(hub) !== JSON.stringify(get().hub)) set({ hub });
        if (hasToken() && !get().me) set({ me: await sessionService.readMe() });
      } catch {
        // The connection indicator already shows the hub is away.
      }
    },

    async signIn(token) {
      setToken(token.trim());
      try {
        const me = await sessionService.readMe();
        localStorage.setItem(TOKEN_KEY, token.trim());
        set({ me });
      } catch (err) {
        setToken(null);
        throw err;
      }
    },

    signOut() {
      setToken(null);
      localStorage.removeItem(TOKEN_KEY);
      set({ me: null });
    },

    setTheme(theme) {
      localStorage.setItem(THEME_KEY, theme);
      applyTheme(theme);
      set({ theme });
    },
  };
});

/** The organizer is signed in: writes (posts, agent controls, jobs, models) are allowed. */
export const useIsOrganizer = (): boolean => useSession((s) => s.me?.is_organizer === true);
