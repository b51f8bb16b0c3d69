// The workspace's open file: its preview (text, JSON, markdown, image, record), re-read when it changes, and its bytes to download.
import { create } from 'zustand';
import type { RecordItem } from '@shared/api';
import { errorText, isNotFound } from '../connection/hub-api';
import { decodeText, imageType, kindOf, recordMarkdown } from '../model/file-kinds';
import { isRecordFolder, versionOf, type WorkspaceEntry } from '../model/workspace-entries';
import { locationKey, parentPath } from '../model/workspace-location';
import { workspaceService } from '../services/workspace';

export type PreviewBody =
  | { kind: 'text' | 'markdown'; text: string; truncated: boolean }
  | { kind: 'json'; text: string; truncated: boolean; value: unknown; parseError: string | null }
  | { kind: 'image'; url: string }
  | { kind: 'binary' }
  | { kind: 'too-large' }
  | { kind: 'record'; record: RecordItem; source: string };

export interface PreviewState {
  key: string;
  /** The listing's modified time and size when loaded: a change re-reads the file. */
  version: string;
  status: 'loading' | 'ready' | 'gone' | 'failed';
  error: string | null;
  body: PreviewBody | null;
}

/** The head of a text file shown in the preview; the rest is a download away. */
export const TEXT_PREVIEW_BYTES = 256 * 1024;
/** Images larger than this are not pulled into the page to preview. */
export const IMAGE_PREVIEW_BYTES = 16 * 1024 * 1024;
/** Downloads up to this size go through a blob; larger ones stream to disk through a plain link instead of filling memory. */
const BLOB_DOWNLOAD_BYTES = 256 * 1024 * 1024;

async function readPreview(root: string, path: string, entry: WorkspaceEntry): Promise<PreviewBody> {
  const folder = parentPath(path);
  if (entry.record && isRecordFolder(root, folder)) {
    const record = await workspaceService.readRecord(folder, entry.name);
    return { kind: 'record', record, source: recordMarkdown(record.frontmatter, record.body) };
  }
  const kind = kindOf(path);
  if (kind === 'binary') return { kind: 'binary' };
  if (kind === 'image') {
    if ((entry.bytes ?? 0) > IMAGE_PREVIEW_BYTES) return { kind: 'too-large' };
    const bytes = await (await workspaceService.readFile(root, path)).arrayBuffer();
    return { kind: 'image', url: URL.createObjectURL(new Blob([bytes], { type: imageType(path) })) };
  }
  const head = await workspaceService.readHead(root, path, TEXT_PREVIEW_BYTES);
  const text = decodeText(head.bytes, head.truncated);
  if (text === null) return { kind: 'binary' };
  if (kind === 'json' && !head.truncated) {
    try {
      return { kind: 'json', text, truncated: false, value: JSON.parse(text) as unknown, parseError: null };
    } catch (err) {
      return { kind: 'json', text, truncated: false, value: undefined, parseError: (err as Error).message };
    }
  }
  if (kind === 'json') return { kind: 'json', text, truncated: true, value: undefined, parseError: null };
  return { kind: kind === 'markdown' ? 'markdown' : 'text', text, truncated: head.truncated };
}

/** An image preview holds an object URL: let it go when the preview does. */
function releaseBody(body: PreviewBody | null | undefined): void {
  if (body?.kind === 'image') URL.revokeObjectURL(body.url);
}

interface WorkspacePreviewState {
  preview: PreviewState | null;
  /** Reads the file for the preview, unless this version is already shown (`force` reads it again anyway). */
  loadPreview(root: string, path: string, entry: WorkspaceEntry, force?: boolean): Promise<void>;
  closePreview(): void;
  /** The file's bytes as a blob, or (for files too large to hold in memory) null: the caller links to it instead. */
  fileBlob(root: string, entry: WorkspaceEntry): Promise<Blob | null>;
}

export const useWorkspacePreview = create<WorkspacePreviewState>((set, get) => {
  /** Numbers each preview read: an answer for a file no longer asked for is dropped. */
  let previewSeq = 0;
  return {
    preview: null,

    async loadPreview(root, path, entry, force = false) {
      const key = locationKey(root, path);
      const version = versionOf(entry);
      const was = get().preview;
      if (!force && was && was.key === key && was.version === version && was.status !== 'failed') return;
      const seq = ++previewSeq;
      // The same file, changed: keep showing it until the new bytes are in.
      if (was?.key === key && was.status === 'ready') {
        set({ preview: { ...was, version } });
      } else {
        releaseBody(was?.body);
        set({ preview: { key, version, status: 'loading', error: null, body: null } });
      }
      try {
        const body = await readPreview(root, path, entry);
        if (seq !== previewSeq) return releaseBody(body);
        const old = get().preview;
        if (old?.body !== body) releaseBody(old?.body);
        set({ preview: { key, version, status: 'ready', error: null, body } });
      } catch (err) {
        if (seq !== previewSeq) return;
        releaseBody(get().preview?.body);
        const gone = isNotFound(err);
        set({ preview: { key, version, status: gone ? 'gone' : 'failed', error: errorText(err), body: null } });
      }
    },

    closePreview() {
      previewSeq++;
      releaseBody(get().preview?.body);
      set({ preview: null });
    },

    async fileBlob(root, entry) {
      if (entry.record) {
        const body = await readPreview(root, entry.path, entry);
        if (body.kind !== 'record') throw new Error('not a record');
        return new Blob([body.source], { type: 'text/markdown;charset=utf-8' });
      }
      if ((entry.bytes ?? 0) > BLOB_DOWNLOAD_BYTES) return null;
      return (await workspaceService.readFile(root, entry.path)).blob();
    },
  };
});
