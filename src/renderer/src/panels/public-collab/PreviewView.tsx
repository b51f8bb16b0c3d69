// Exactly what a publish sends: the status it carries there (and why), each file with its content, each call, and what stays here.
import type { PublishPreview } from '@shared/sync-api';
import { formatBytes } from '../../format';

export function PreviewView({ preview }: { preview: PublishPreview }) {
  return (
    <section className="stack sync-preview" aria-label="Preview" data-testid="publish-preview">
      <div className="row sync-card-head">
        <h3>What leaves this machine</h3>
        <span className="badge" data-testid="preview-status">
          {preview.status}
        </span>
        <span className="muted sync-small sync-push">
          {formatBytes(preview.bytes)} to <span className="mono">{preview.bucket}</span>
        </span>
      </div>
      {preview.notice && (
        <p className="notice sync-warning" data-testid="preview-notice">
          {preview.notice}
        </p>
      )}
      <h4>Files ({preview.files.length})</h4>
      <ul className="sync-files" aria-label="Files sent">
        {preview.files.map((f) => (
          <li key={f.path} data-path={f.path}>
            <details>
              <summary>
                <span className="mono">{f.path}</span> <span className="muted sync-small">{formatBytes(f.bytes)}</span>
              </summary>
              {f.text !== null ? (
                <pre className="sync-pre">{f.text}</pre>
              ) : (
                <p className="muted sync-small">
                  Not shown (binary or over 64 KiB): sha256 <span className="mono">{f.sha256}</span>
                </p>
              )}
            </details>
          </li>
        ))}
      </ul>
      <h4>Calls to the collab ({preview.calls.length})</h4>
      <ul className="sync-files" aria-label="Calls made">
        {preview.calls.map((c, i) => (
          <li key={i}>
            <details>
              <summary className="mono">
                {c.method} {c.path}
              </summary>
              <pre className="sync-pre">{JSON.stringify(c.body, null, 2)}</pre>
            </details>
          </li>
        ))}
      </ul>
      <h4>Stays on this machine</h4>
      {preview.withheld.length === 0 ? (
        <p className="muted sync-small">Nothing is held back.</p>
      ) : (
        <ul className="sync-withheld" aria-label="Stays on this machine">
          {preview.withheld.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
