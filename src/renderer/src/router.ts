// Hash routes (#/board, #/leaderboard/<result>): links and the back button work, and the hub serves one page.
import { useSyncExternalStore } from 'react';

export interface Route {
  /** The panel id: "board", "leaderboard", ... */
  panel: string;
  /** What follows the panel, decoded: ["20261122-101500-000_alice.md"]. */
  rest: string[];
}

function parse(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return { panel: parts[0] ?? '', rest: parts.slice(1) };
}

const subscribe = (fn: () => void) => {
  window.addEventListener('hashchange', fn);
  return () => window.removeEventListener('hashchange', fn);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parse(hash);
}

export function routeHref(panel: string, ...rest: string[]): string {
  return `#/${[panel, ...rest].map(encodeURIComponent).join('/')}`;
}

export function navigate(panel: string, ...rest: string[]): void {
  window.location.hash = routeHref(panel, ...rest).slice(1);
}
