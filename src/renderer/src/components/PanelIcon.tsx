// The sidebar's line icons, drawn here so every system shows them (emoji need a font many Linux machines lack).

const PATHS: Record<string, string> = {
  board: 'M2.5 3.5h11v7h-6l-3 2.5v-2.5h-2z',
  leaderboard: 'M2.5 13.5h11M4 13.5v-4h2.5v4M6.5 13.5v-7h3v7M9.5 13.5v-5.5h2.5v5.5',
  agents: 'M4.5 5.5h7v6.5h-7zM8 5.5v-2M6.5 8.5v.5M9.5 8.5v.5M6.5 10.5h3M3 8h1.5M11.5 8h1.5',
  jobs: 'M8 14a5.5 5.5 0 1 0 0-11 5.5 5.5 0 0 0 0 11zM8 5.5v3l2 1.5M6.5 1.5h3',
  workspace: 'M1.5 4.5a1 1 0 0 1 1-1h3.6l1.4 1.5h6a1 1 0 0 1 1 1v6.5a1 1 0 0 1-1 1h-11a1 1 0 0 1-1-1z',
  sync: 'M5 12.5H4a2.8 2.8 0 0 1-.4-5.6 4.2 4.2 0 0 1 8.1-.9A3.2 3.2 0 0 1 12 12.5h-1M8 14V8.5M6 10.5l2-2 2 2',
  // A globe: the public collab's frontier, beside this hub's own.
  frontier: 'M8 14.5a6.5 6.5 0 1 0 0-13 6.5 6.5 0 0 0 0 13zM1.5 8h13M8 1.5c-2.2 2-2.2 11 0 13M8 1.5c2.2 2 2.2 11 0 13',
  models: 'M2.5 5l5.5-3 5.5 3v6l-5.5 3-5.5-3zM2.5 5l5.5 3 5.5-3M8 8v6',
  settings:
    'M8 10.2a2.2 2.2 0 1 0 0-4.4 2.2 2.2 0 0 0 0 4.4zM8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4',
};

export function PanelIcon({ panel }: { panel: string }) {
  return (
    <svg className="nav-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden focusable="false">
      <path
        d={PATHS[panel] ?? PATHS.board}
        fill="none"
        stroke="currentColor"
        strokeWidth="1.3"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}
