// The machine as llama.cpp sees it: the backend node-llama-cpp uses here, the GPU and its memory, CPU cores, RAM.
import type { SystemInfo } from '@shared/models';
import { backendLabel, formatBytes } from '../../format';

export function SystemSection({ system }: { system: SystemInfo | null }) {
  if (!system) {
    return (
      <section className="card stack" aria-labelledby="system-title">
        <h2 id="system-title">GPU and backend</h2>
        <p className="muted">
          This hub runs without the model library, so it does not look at the machine. <code>collab-desk hub</code> and
          the desktop app do.
        </p>
      </section>
    );
  }
  const { backend, gpu } = system;
  return (
    <section className="card stack" aria-labelledby="system-title" data-testid="system-info">
      <h2 id="system-title">GPU and backend</h2>
      <dl className="settings-facts">
        <dt>llama.cpp backend</dt>
        <dd>
          <span
            className={`badge ${backend.flavor && backend.flavor !== 'cpu' ? 'badge-valid' : ''}`}
            data-testid="backend"
          >
            {backend.flavor ? backendLabel(backend.flavor) : 'none'}
          </span>
          <span className="muted settings-reason"> {backend.reason}</span>
        </dd>
        <dt>GPU</dt>
        <dd data-testid="gpu">
          {gpu.state === 'detecting' ? (
            <span className="muted">detecting…</span>
          ) : gpu.devices.length === 0 ? (
            <span className="muted">none</span>
          ) : (
            <ul className="settings-gpus">
              {gpu.devices.map((d, i) => (
                <li key={`${d.name}-${i}`}>
                  <strong>{d.name}</strong>
                  {d.vram_bytes !== null && (
                    <span className="muted">
                      {' '}
                      · {formatBytes(d.vram_bytes)} VRAM
                      {d.vram_free_bytes !== null ? `, ${formatBytes(d.vram_free_bytes)} free` : ''}
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )}
          {gpu.note && <div className="muted settings-reason">{gpu.note}</div>}
        </dd>
        <dt>CPU</dt>
        <dd data-testid="cpu">
          {system.cpu.model} · <strong>{system.cpu.cores}</strong> cores
        </dd>
        <dt>Memory</dt>
        <dd>
          {formatBytes(system.memory.total_bytes)}{' '}
          <span className="muted">({formatBytes(system.memory.free_bytes)} free)</span>
        </dd>
        <dt>Versions</dt>
        <dd>
          node-llama-cpp {system.node_llama_cpp ?? 'not installed'}
          {backend.llama_cpp_release && <span className="muted"> · llama.cpp {backend.llama_cpp_release}</span>}
          {backend.package && <span className="muted"> · {backend.package}</span>}
        </dd>
        <dt>Platform</dt>
        <dd>
          {system.platform}-{system.arch}
        </dd>
      </dl>
    </section>
  );
}
