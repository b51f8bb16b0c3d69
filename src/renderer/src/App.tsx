// The dashboard's frame: the sidebar of panels this hub has (folding to icons when narrow), the top bar (collab, live state, who you are), the panel.
import { useEffect, useState } from 'react';
import { ErrorBoundary } from './components/ErrorBoundary';
import { ErrorNotice } from './components/Notice';
import { PanelIcon } from './components/PanelIcon';
import { SignIn } from './components/SignIn';
import { visiblePanels, type PanelDefinition } from './panels/registry';
import { WelcomePanel } from './panels/welcome/WelcomePanel';
import { navigate, routeHref, useRoute } from './router';
import { welcomeService } from './services/welcome';
import { useSession } from './stores/session-store';
import { sidebarCollapsed, useSidebar } from './stores/sidebar-store';

const CONNECTION_LABEL = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' } as const;

function TopBar() {
  const { hub, me, connection, fromDesktop, signOut } = useSession();
  const [signingIn, setSigningIn] = useState(false);
  return (
    <header className="topbar">
      <div className="topbar-title">
        <strong>{hub?.title ?? 'Collab Desk'}</strong>
        {hub?.goal && <span className="muted topbar-goal">{hub.goal}</span>}
      </div>
      <div className="topbar-right">
        <span className={`connection connection-${connection}`} data-testid="connection">
          {CONNECTION_LABEL[connection]}
        </span>
        {me ? (
          <span className="who" data-testid="who">
            {me.handle}
            {me.is_organizer && <span className="badge badge-organizer">organizer</span>}
            {!fromDesktop && (
              <button className="btn btn-small btn-quiet" onClick={signOut}>
                Sign out
              </button>
            )}
          </span>
        ) : (
          <button className="btn btn-small" onClick={() => setSigningIn((v) => !v)}>
            Read-only · Sign in
          </button>
        )}
      </div>
      {signingIn && !me && (
        <div
          className="popover sign-in-popover"
          onKeyDown={(e) => {
            if (e.key === 'Escape') setSigningIn(false);
          }}
        >
          <SignIn onDone={() => setSigningIn(false)} />
        </div>
      )}
    </header>
  );
}

const FOLD_ICON = 'M2.5 3.5h11M2.5 8h11M2.5 12.5h11';

/** The panels this hub has; icons only when folded (each still named by its label and on hover). */
function Sidebar({ panels, current, version }: { panels: PanelDefinition[]; current: string; version: string }) {
  const sidebar = useSidebar();
  const collapsed = sidebarCollapsed(sidebar);
  const overPanel = sidebar.narrow && sidebar.openOver;
  return (
    <nav
      id="sidebar"
      className={`sidebar${collapsed ? ' sidebar-collapsed' : ''}${overPanel ? ' sidebar-over' : ''}`}
      aria-label="Panels"
      onKeyDown={(e) => {
        if (e.key === 'Escape') sidebar.closeOver();
      }}
    >
      <div className="brand">
        <button
          type="button"
          className="sidebar-toggle"
          onClick={sidebar.toggle}
          aria-expanded={!collapsed}
          aria-controls="sidebar"
          aria-label={collapsed ? 'Show the sidebar labels' : 'Fold the sidebar to icons'}
          title={collapsed ? 'Show the sidebar labels' : 'Fold the sidebar to icons'}
        >
          <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden focusable="false">
            <path d={FOLD_ICON} fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinecap="round" />
          </svg>
        </button>
        <span className="brand-name">Collab Desk</span>
      </div>
      {panels.map((p) => (
        <a
          key={p.id}
          href={routeHref(p.id)}
          className={p.id === current ? 'nav-item active' : 'nav-item'}
          aria-current={p.id === current ? 'page' : undefined}
          aria-label={p.title}
          title={collapsed ? p.title : undefined}
          // Chosen from a sidebar opened over the panel: fold it, so the panel has the room again.
          onClick={sidebar.closeOver}
        >
          <PanelIcon panel={p.id} />
          <span className="nav-label">{p.title}</span>
        </a>
      ))}
      <div className="sidebar-foot muted">v{version}</div>
    </nav>
  );
}

const WELCOME: PanelDefinition = { id: 'welcome', title: 'Welcome', Component: WelcomePanel };

/**
 * The desktop app's first start on a data folder opens the welcome by itself, once: the organizer closes it and the
 * hub remembers. A browser opens it at #/welcome (Settings links to it), never by itself.
 */
function useFirstStartWelcome(): void {
  const organizer = useSession((s) => s.me?.is_organizer === true);
  useEffect(() => {
    if (window.collabDesk?.welcomeOnFirstStart !== true || !organizer) return;
    let cancelled = false;
    void welcomeService.settings().then(
      (settings) => {
        const onDefault = window.location.hash === '' || window.location.hash === '#' || window.location.hash === '#/';
        if (!cancelled && settings.welcome_seen_at === null && onDefault) navigate(WELCOME.id);
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [organizer]);
}

export function App() {
  const { status, error, hub, start } = useSession();
  const route = useRoute();
  useEffect(() => {
    void start();
  }, [start]);
  useFirstStartWelcome();

  if (status === 'loading') return <div className="splash">Connecting to the hub…</div>;
  if (status === 'failed' || !hub)
    return (
      <div className="splash">
        <ErrorNotice error={error ?? 'the hub did not answer'} onRetry={() => window.location.reload()} />
      </div>
    );

  const panels = visiblePanels(hub.features);
  // The welcome is a view of its own (#/welcome), not a panel of the sidebar.
  const current = route.panel === WELCOME.id ? WELCOME : (panels.find((p) => p.id === route.panel) ?? panels[0]!);
  return (
    <div className="app">
      <Sidebar panels={panels} current={current.id} version={hub.version} />
      <div className="main">
        <TopBar />
        <main className="content" data-panel={current.id}>
          {/* Keyed by panel: another panel in the sidebar starts afresh even when this one failed. */}
          <ErrorBoundary key={current.id} what={`the ${current.title} panel`}>
            <current.Component rest={current.id === route.panel ? route.rest : []} />
          </ErrorBoundary>
        </main>
      </div>
    </div>
  );
}
