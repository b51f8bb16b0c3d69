// The dashboard's frame: the sidebar of panels this hub has, the top bar (collab, live state, who you are), the panel.
import { useEffect, useState } from 'react';
import { ErrorBoundary } from './components/ErrorBoundary';
import { ErrorNotice } from './components/Notice';
import { PanelIcon } from './components/PanelIcon';
import { SignIn } from './components/SignIn';
import { visiblePanels } from './panels/registry';
import { routeHref, useRoute } from './router';
import { useSession } from './stores/session-store';

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

export function App() {
  const { status, error, hub, start } = useSession();
  const route = useRoute();
  useEffect(() => {
    void start();
  }, [start]);

  if (status === 'loading') return <div className="splash">Connecting to the hub…</div>;
  if (status === 'failed' || !hub)
    return (
      <div className="splash">
        <ErrorNotice error={error ?? 'the hub did not answer'} onRetry={() => window.location.reload()} />
      </div>
    );

  const panels = visiblePanels(hub.features);
  const current = panels.find((p) => p.id === route.panel) ?? panels[0]!;
  return (
    <div className="app">
      <nav className="sidebar" aria-label="Panels">
        <div className="brand">Collab Desk</div>
        {panels.map((p) => (
          <a
            key={p.id}
            href={routeHref(p.id)}
            className={p.id === current.id ? 'nav-item active' : 'nav-item'}
            aria-current={p.id === current.id ? 'page' : undefined}
          >
            <PanelIcon panel={p.id} />
            {p.title}
          </a>
        ))}
        <div className="sidebar-foot muted">v{hub.version}</div>
      </nav>
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
