// The first-start welcome (#/welcome; the desktop app opens it by itself once per data folder): what runs where, the
// GPU and backend, the demo or the gemma pack to start with (nothing downloads without a yes), and the HF sign-in.
import { useEffect } from 'react';
import { isLocalEndpoint } from '@shared/endpoint-url';
import type { ShippedPack } from '@shared/packs-api';
import { BreakableText } from '../../components/BreakableText';
import { ErrorNotice } from '../../components/Notice';
import { backendLabel, formatBytes } from '../../format';
import { navigate, routeHref } from '../../router';
import { useSession } from '../../stores/session-store';
import { downloadBytes, packDownloads, useWelcome } from '../../stores/welcome-store';
import './welcome.css';

const DEMO_AGENTS = 3;

function WhereSection() {
  const { settings, models } = useWelcome();
  if (!settings) return null;
  const loopback = settings.hub_url !== null && isLocalEndpoint(settings.hub_url);
  return (
    <section className="card stack" aria-labelledby="welcome-where">
      <h2 id="welcome-where">What runs where</h2>
      <dl className="welcome-facts">
        <dt>The hub</dt>
        <dd data-testid="welcome-hub">
          on this machine at <code>{settings.hub_url ?? 'starting…'}</code>
          <div className="muted">
            {loopback
              ? 'Only this machine can reach it (loopback). Agents join it by reading its README.'
              : 'It listens beyond this machine: others on your network can reach it.'}
          </div>
        </dd>
        <dt>Data folder</dt>
        <dd data-testid="welcome-data">
          <code className="path-text">
            <BreakableText text={settings.data_dir} />
          </code>
          <div className="muted">The record (board, results, jobs), the agents&apos; folders and every run.</div>
        </dd>
        <dt>Models</dt>
        <dd data-testid="welcome-models">
          {models ? (
            <>
              <code className="path-text">
                <BreakableText text={models.disk.cache_dir} />
              </code>
              <div className="muted">
                The Hugging Face cache, shared with other tools; generated demo models go to{' '}
                <code className="path-text">
                  <BreakableText text={models.disk.models_dir} />
                </code>
                .
              </div>
            </>
          ) : (
            <span className="muted">This hub manages no model files.</span>
          )}
        </dd>
      </dl>
      <p className="muted">Nothing leaves this machine unless you publish to a public collab.</p>
    </section>
  );
}

function MachineSection() {
  const system = useWelcome((s) => s.settings?.system ?? null);
  if (!system) return null;
  const { backend, gpu } = system;
  return (
    <section className="card stack" aria-labelledby="welcome-machine">
      <h2 id="welcome-machine">This machine</h2>
      <p data-testid="welcome-backend">
        llama.cpp runs on{' '}
        <span className={`badge ${backend.flavor && backend.flavor !== 'cpu' ? 'badge-valid' : ''}`}>
          {backend.flavor ? backendLabel(backend.flavor) : 'no backend yet'}
        </span>
        <span className="muted"> {backend.reason}</span>
      </p>
      <p data-testid="welcome-gpu">
        {gpu.state === 'detecting' ? (
          <span className="muted">Looking for a GPU…</span>
        ) : gpu.devices.length === 0 ? (
          <span>No GPU found: benchmarks and agents run on the CPU ({system.cpu.cores} cores).</span>
        ) : (
          gpu.devices.map((d, i) => (
            <span key={`${d.name}-${i}`} className="welcome-gpu">
              <strong>{d.name}</strong>
              {d.vram_bytes !== null && <span className="muted"> · {formatBytes(d.vram_bytes)} VRAM</span>}
            </span>
          ))
        )}
      </p>
    </section>
  );
}

function InstallProgress() {
  const { install, cancelInstall } = useWelcome();
  if (!install || install.state !== 'installing') return null;
  const d = install.download;
  const pct = d && d.total ? Math.min(100, Math.round((100 * d.bytes) / d.total)) : null;
  return (
    <div className="welcome-progress" data-testid="welcome-install" role="status">
      <span>
        Installing <strong>{install.pack}</strong>: {install.step ?? 'starting'}
        {d && (
          <span className="muted">
            {' '}
            · {formatBytes(d.bytes)}
            {d.total ? ` of ${formatBytes(d.total)}` : ''}
          </span>
        )}
      </span>
      {pct !== null && <progress max={100} value={pct} aria-label={`${pct}% downloaded`} />}
      <button className="btn btn-small btn-quiet" onClick={() => void cancelInstall()}>
        Cancel
      </button>
    </div>
  );
}

function PackCard({ pack }: { pack: ShippedPack }) {
  const { install, models, installPack, startAgents, agentsStarted } = useWelcome();
  const hasSwarm = useSession((s) => s.hub?.features.swarm === true);
  const busy = install?.state === 'installing';
  const files = packDownloads(models, pack);
  const total = downloadBytes(files);
  const fits = files.find((f) => f.role === 'target')?.fit ?? null;
  const ended = install && install.pack === pack.id && install.state !== 'installing' ? install : null;
  return (
    <article className="card stack welcome-pack" data-testid={`welcome-pack-${pack.id}`}>
      <h3>
        {pack.title}
        {pack.installed && <span className="badge badge-valid">installed</span>}
      </h3>
      <p className="muted">{pack.description}</p>
      {pack.downloads ? (
        <p data-testid={`welcome-pack-${pack.id}-size`}>
          {models === null ? (
            'Downloads its models from the Hugging Face Hub (this hub lists no model files, so their size is not known here).'
          ) : files.length === 0 ? (
            'Its models are already on this machine.'
          ) : (
            <>
              Downloads {files.length} file{files.length === 1 ? '' : 's'} from the Hugging Face Hub
              {total !== null ? ` (${formatBytes(total)})` : ' (size not known yet)'}
              {fits && <span className="muted"> · {fits.detail}</span>}
            </>
          )}
        </p>
      ) : (
        <p>Nothing is downloaded: its small models are made on this machine, and agents work it on any CPU.</p>
      )}
      {ended?.state === 'failed' && <ErrorNotice error={`The install failed: ${ended.error ?? 'no reason given'}`} />}
      {ended?.state === 'cancelled' && <p className="muted">The install was cancelled.</p>}
      <div className="welcome-actions">
        {!pack.installed && (
          // The click is the yes to what the card names; with nothing left to download, it downloads nothing.
          <button className="btn" disabled={busy} onClick={() => void installPack(pack.id, pack.downloads)}>
            {pack.downloads && (models === null || files.length > 0)
              ? `Download${total !== null && files.length > 0 ? ` ${formatBytes(total)}` : ''} and install`
              : pack.id === 'demo'
                ? 'Install the demo'
                : 'Install'}
          </button>
        )}
        {pack.installed &&
          hasSwarm &&
          (agentsStarted > 0 ? (
            <a className="btn" href={routeHref('agents')}>
              {agentsStarted} agents started: watch them
            </a>
          ) : (
            <button className="btn" onClick={() => void startAgents(DEMO_AGENTS)}>
              Start {DEMO_AGENTS} agents on it
            </button>
          ))}
      </div>
    </article>
  );
}

function StartSection() {
  const { packs, actionError } = useWelcome();
  if (packs === null)
    return (
      <section className="card stack" aria-labelledby="welcome-start">
        <h2 id="welcome-start">Start with a challenge</h2>
        <p className="muted">
          This hub installs no packs itself: run <code>collab-desk challenge init demo</code> (or gemma).
        </p>
      </section>
    );
  return (
    <section className="card stack" aria-labelledby="welcome-start">
      <h2 id="welcome-start">Start with a challenge</h2>
      <InstallProgress />
      {actionError && <ErrorNotice error={actionError} />}
      <div className="welcome-packs">
        {packs.map((p) => (
          <PackCard key={p.id} pack={p} />
        ))}
      </div>
    </section>
  );
}

function PublicSection() {
  const { hfUser, syncAvailable } = useWelcome();
  if (!syncAvailable) return null;
  return (
    <section className="card stack" aria-labelledby="welcome-public">
      <h2 id="welcome-public">The public collab</h2>
      {hfUser ? (
        <p data-testid="welcome-hf">
          Signed in to Hugging Face as <strong>{hfUser}</strong>: you can publish results and follow a public collab.
        </p>
      ) : (
        <p data-testid="welcome-hf">
          Sign in to Hugging Face to contribute your results to a public collab and follow its frontier beside yours.
          Optional: everything else works without an account.
        </p>
      )}
      <div className="welcome-actions">
        <a className="btn btn-quiet" href={routeHref('sync')}>
          {hfUser ? 'Open the Public collab panel' : 'Sign in to Hugging Face'}
        </a>
      </div>
    </section>
  );
}

/** The hub probes the GPU and asks the Hub for sizes in the background: read again a few times while they are due. */
const PENDING_POLL_MS = 1_500;
const PENDING_POLLS = 20;

export function WelcomePanel(_props: { rest: string[] }) {
  const { status, error, load, follow, close } = useWelcome();
  const organizer = useSession((s) => s.me?.is_organizer === true);
  const pending = useWelcome(
    (s) => s.settings?.system?.gpu.state === 'detecting' || (s.models?.available ?? []).some((m) => m.size_pending),
  );
  useEffect(() => {
    void load();
    return follow();
  }, [load, follow]);
  useEffect(() => {
    if (!pending) return;
    let polls = 0;
    const timer = setInterval(() => {
      if (++polls > PENDING_POLLS) clearInterval(timer);
      else void load();
    }, PENDING_POLL_MS);
    return () => clearInterval(timer);
  }, [pending, load]);

  return (
    <section className="panel welcome-panel" aria-labelledby="welcome-title">
      <header className="panel-header">
        <h1 id="welcome-title">Welcome to Collab Desk</h1>
        {organizer && (
          <button
            className="btn"
            data-testid="welcome-close"
            onClick={() =>
              void close().then(
                () => navigate('board'),
                () => undefined,
              )
            }
          >
            Close
          </button>
        )}
      </header>
      <p className="muted">
        A private agent collaboration on this machine: a hub agents post to, benchmark jobs on your GPU, and a
        leaderboard only verified numbers enter.
      </p>
      {error && <ErrorNotice error={error} onRetry={() => void load()} />}
      {status === 'loading' && <div className="empty-state">Looking at this machine…</div>}
      {status === 'ready' && (
        <div className="welcome-grid">
          <WhereSection />
          <MachineSection />
          {organizer && <StartSection />}
          {organizer && <PublicSection />}
        </div>
      )}
    </section>
  );
}
