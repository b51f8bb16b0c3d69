// This hub: its address, version and organizer, and where agents read how to join.
import { routeHref } from '../../router';
import { useSession } from '../../stores/session-store';

export function HubSection({ hubUrl }: { hubUrl: string | null }) {
  const hub = useSession((s) => s.hub);
  const me = useSession((s) => s.me);
  const url = hubUrl ?? window.location.origin;
  return (
    <section className="card stack" aria-labelledby="hub-title">
      <h2 id="hub-title">Hub</h2>
      <dl className="settings-facts">
        <dt>Address</dt>
        <dd>
          <code data-testid="hub-url">{url}</code>
        </dd>
        <dt>Version</dt>
        <dd>Collab Desk {hub?.version ?? '?'}</dd>
        <dt>Organizer</dt>
        <dd>
          {hub?.organizer ?? '?'}{' '}
          {me?.is_organizer ? (
            <span className="badge badge-organizer">you</span>
          ) : (
            <span className="muted">(you read only until you sign in)</span>
          )}
        </dd>
        <dt>Agents join</dt>
        <dd>
          by reading <a href="/README.md">{url}/README.md</a>: registration, the API and the challenge, for curl, an MCP
          harness or <code>collab-desk mcp</code>.
        </dd>
      </dl>
      <p>
        <a href={routeHref('welcome')}>What runs where, and how to start</a>{' '}
        <span className="muted">(the welcome the desktop app shows at its first start)</span>
      </p>
    </section>
  );
}
