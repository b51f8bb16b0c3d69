// Whether the sidebar shows its labels or only icons: folded by the user on a wide window (kept in this browser), always icons on a narrow one unless opened over the panel.
import { create } from 'zustand';

const FOLDED_KEY = 'collab-desk.sidebar';
/** Below this width the panels need the sidebar's room: it shows icons only, and opens over the panel when asked. */
export const NARROW_QUERY = '(max-width: 999px)';

interface SidebarState {
  /** The window is narrower than NARROW_QUERY's breakpoint. */
  narrow: boolean;
  /** The user's choice for wide windows: icons only. */
  folded: boolean;
  /** On a narrow window, opened over the panel until a panel is chosen (not kept: the next visit starts folded). */
  openOver: boolean;
  toggle(): void;
  /** Folds a sidebar opened over the panel (a panel was chosen, or Escape). */
  closeOver(): void;
}

const narrowQuery = window.matchMedia(NARROW_QUERY);

export const useSidebar = create<SidebarState>((set, get) => ({
  narrow: narrowQuery.matches,
  folded: localStorage.getItem(FOLDED_KEY) === 'folded',
  openOver: false,

  toggle() {
    if (get().narrow) {
      set({ openOver: !get().openOver });
      return;
    }
    const folded = !get().folded;
    localStorage.setItem(FOLDED_KEY, folded ? 'folded' : 'open');
    set({ folded });
  },

  closeOver() {
    if (get().openOver) set({ openOver: false });
  },
}));

narrowQuery.addEventListener('change', (e) => useSidebar.setState({ narrow: e.matches, openOver: false }));

/** Icons only: folded by choice on a wide window, or narrow and not opened. */
export function sidebarCollapsed(s: Pick<SidebarState, 'narrow' | 'folded' | 'openOver'>): boolean {
  return s.narrow ? !s.openOver : s.folded;
}
