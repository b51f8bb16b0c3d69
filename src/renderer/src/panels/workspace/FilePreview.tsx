// The open file: what it is (size, time), a view that fits its kind (markdown, JSON, image, text), and Download.
import { useState } from 'react';
import { ErrorNotice } from '../../components/Notice';
import { Markdown } from '../../components/Markdown';
import { VerificationBadge } from '../../components/VerificationBadge';
import { errorText } from '../../connection/hub-api';
import { formatAgo, formatBytes, formatTime } from '../../format';
import type { WorkspaceEntry } from '../../model/workspace-entries';
import {
  IMAGE_PREVIEW_BYTES,
  TEXT_PREVIEW_BYTES,
  useWorkspacePreview,
  type PreviewBody,
} from '../../stores/workspace-preview-store';
import { saveBlob, saveFromHub } from './download';
import { frontmatterValue, splitFrontmatter } from '../../model/file-kinds';
import { FrontmatterTable } from './FrontmatterTable';
import { GoneNotice } from './GoneNotice';
import { JsonView } from './JsonView';
import { TextView } from './TextView';
import { apiUrl, locationKey } from '../../model/workspace-location';

type Mode = 'rendered' | 'source';

/** Kinds with two faces: rendered (markdown, the JSON tree, a record) and the file's own text. */
function hasSource(body: PreviewBody | null): boolean {
  return (
    body !== null &&
    (body.kind === 'markdown' || body.kind === 'record' || (body.kind === 'json' && body.value !== undefined))
  );
}

function TruncatedNotice({ entry }: { entry: WorkspaceEntry }) {
  return (
    <div className="notice ws-notice" role="note">
      Showing the first {formatBytes(TEXT_PREVIEW_BYTES)}
      {entry.bytes !== null && <> of {formatBytes(entry.bytes)}</>}. Download the file to read all of it.
    </div>
  );
}

/** An image from a blob: URL (the page's CSP allows blob: images; an SVG stays an <img>, so its scripts never run). */
function ImageView({ url, name }: { url: string; name: string }) {
  const [size, setSize] = useState<string | null>(null);
  return (
    <figure className="ws-image">
      <img
        src={url}
        alt={name}
        data-testid="image-preview"
        onLoad={(e) => setSize(`${e.currentTarget.naturalWidth} × ${e.currentTarget.naturalHeight} px`)}
      />
      {size && <figcaption>{size}</figcaption>}
    </figure>
  );
}

function PreviewContent({ body, entry, mode }: { body: PreviewBody; entry: WorkspaceEntry; mode: Mode }) {
  switch (body.kind) {
    case 'record': {
      if (mode === 'source') return <TextView text={body.source} label={`Source of ${entry.name}`} />;
      const fields = Object.entries(body.record.frontmatter).map(([k, v]): [string, string] => [
        k,
        typeof v === 'string' ? v : frontmatterValue(v),
      ]);
      return (
        <div className="ws-doc">
          {body.record.verification && (
            <div className="ws-record-state">
              Verification <VerificationBadge state={body.record.verification} />
            </div>
          )}
          <FrontmatterTable fields={fields} />
          <Markdown text={body.record.body} className="ws-markdown" />
        </div>
      );
    }
    case 'markdown': {
      if (mode === 'source')
        return (
          <>
            {body.truncated && <TruncatedNotice entry={entry} />}
            <TextView text={body.text} label={`Source of ${entry.name}`} />
          </>
        );
      const { fields, body: text } = splitFrontmatter(body.text);
      return (
        <div className="ws-doc">
          {body.truncated && <TruncatedNotice entry={entry} />}
          <FrontmatterTable fields={fields} />
          <Markdown text={text} className="ws-markdown" />
        </div>
      );
    }
    case 'json':
      if (body.value !== undefined && mode === 'rendered') return <JsonView value={body.value} />;
      return (
        <>
          {body.truncated && <TruncatedNotice entry={entry} />}
          {body.parseError && (
            <div className="notice ws-notice" role="note">
              Not valid JSON ({body.parseError}); shown as text.
            </div>
          )}
          <TextView text={body.text} label={`Text of ${entry.name}`} />
        </>
      );
    case 'text':
      return (
        <>
          {body.truncated && <TruncatedNotice entry={entry} />}
          <TextView text={body.text} label={`Text of ${entry.name}`} />
        </>
      );
    case 'image':
      return <ImageView url={body.url} name={entry.name} />;
    case 'too-large':
      return (
        <div className="empty-state">
          <strong>Too large to preview</strong>
          <p>
            This image is {entry.bytes !== null ? formatBytes(entry.bytes) : 'large'}; previews stop at{' '}
            {formatBytes(IMAGE_PREVIEW_BYTES)}. Download it to view it.
          </p>
        </div>
      );
    case 'binary':
      return (
        <div className="empty-state" data-testid="binary-notice">
          <strong>Binary file{entry.bytes !== null && <> · {formatBytes(entry.bytes)}</>}</strong>
          <p>
            It is not text or an image, so there is nothing to show here. Download it to open it with another program.
          </p>
        </div>
      );
  }
}

export function FilePreview({ root, entry }: { root: string; entry: WorkspaceEntry }) {
  const preview = useWorkspacePreview((s) => s.preview);
  const fileBlob = useWorkspacePreview((s) => s.fileBlob);
  const loadPreview = useWorkspacePreview((s) => s.loadPreview);
  const [mode, setMode] = useState<Mode>('rendered');
  const [downloading, setDownloading] = useState(false);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const current = preview?.key === locationKey(root, entry.path) ? preview : null;
  const body = current?.status === 'ready' ? current.body : null;

  const download = async () => {
    setDownloading(true);
    setDownloadError(null);
    try {
      const blob = await fileBlob(root, entry);
      if (blob) saveBlob(entry.name, blob);
      else saveFromHub(entry.name, apiUrl(root, entry.path));
    } catch (err) {
      setDownloadError(errorText(err));
    } finally {
      setDownloading(false);
    }
  };

  if (current?.status === 'gone') return <GoneNotice root={root} path={entry.path} kind="file" />;

  return (
    <div className="ws-preview">
      <div className="ws-preview-head">
        <div className="ws-file-facts">
          <strong className="ws-file-name">{entry.name}</strong>
          {entry.bytes !== null && <span className="muted">{formatBytes(entry.bytes)}</span>}
          {entry.modified && (
            <span className="muted" title={formatTime(entry.modified)}>
              {entry.record ? 'posted' : 'modified'} {formatAgo(entry.modified)}
            </span>
          )}
          {entry.record && (
            <span className="badge" title="Kept in the hub's record; shown here as the file the public layout stores">
              record
            </span>
          )}
        </div>
        <div className="panel-actions">
          {hasSource(body) && (
            <div className="ws-mode" role="group" aria-label="View">
              <button
                className={mode === 'rendered' ? 'btn btn-small ws-mode-on' : 'btn btn-small'}
                aria-pressed={mode === 'rendered'}
                onClick={() => setMode('rendered')}
              >
                {body?.kind === 'json' ? 'Tree' : 'Rendered'}
              </button>
              <button
                className={mode === 'source' ? 'btn btn-small ws-mode-on' : 'btn btn-small'}
                aria-pressed={mode === 'source'}
                onClick={() => setMode('source')}
              >
                Source
              </button>
            </div>
          )}
          <button
            className="btn btn-small btn-primary"
            onClick={() => void download()}
            disabled={downloading}
            title={`Save ${entry.name} to your computer`}
          >
            {downloading ? 'Downloading…' : 'Download'}
          </button>
        </div>
      </div>
      {downloadError && <ErrorNotice error={`Download failed: ${downloadError}`} />}
      <div className="ws-preview-body" data-testid="preview" data-kind={body?.kind ?? ''}>
        {!current || current.status === 'loading' ? (
          <p className="muted ws-loading">Reading {entry.name}…</p>
        ) : current.status === 'failed' ? (
          <ErrorNotice
            error={current.error ?? 'the file could not be read'}
            onRetry={() => void loadPreview(root, entry.path, entry, true)}
          />
        ) : body ? (
          <PreviewContent body={body} entry={entry} mode={mode} />
        ) : null}
      </div>
    </div>
  );
}
