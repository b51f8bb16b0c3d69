// Small line icons for folders and file kinds, drawn here so they look the same on every system (no emoji font needed).
import { kindOf, type FileKind } from '../../model/file-kinds';

const PATHS: Record<FileKind | 'dir', string> = {
  dir: 'M1.5 4.5a1 1 0 0 1 1-1h3.6l1.4 1.5h6a1 1 0 0 1 1 1v6.5a1 1 0 0 1-1 1h-11a1 1 0 0 1-1-1z',
  text: 'M3.5 1.5h6l3 3v10h-9zM9.5 1.5v3h3M5.5 8h5M5.5 10.5h5M5.5 13h3',
  unknown: 'M3.5 1.5h6l3 3v10h-9zM9.5 1.5v3h3',
  markdown: 'M3.5 1.5h6l3 3v10h-9zM9.5 1.5v3h3M5.5 12.5v-4l1.5 2 1.5-2v4M10.5 8.5v4M9.5 11.5l1 1 1-1',
  json: 'M6 3.5c-1.5 0-1.5 1-1.5 2.2s-.5 2.3-1.5 2.3c1 0 1.5 1 1.5 2.3s0 2.2 1.5 2.2M10 3.5c1.5 0 1.5 1 1.5 2.2s.5 2.3 1.5 2.3c-1 0-1.5 1-1.5 2.3s0 2.2-1.5 2.2',
  image: 'M2 3.5h12v9H2zM2 10.5l3.5-3 3 2.5 2-1.5 3.5 3M10.5 6.2a.01.01 0 1 0 0 .02',
  binary: 'M2.5 5l5.5-3 5.5 3v6l-5.5 3-5.5-3zM2.5 5l5.5 3 5.5-3M8 8v6',
};

export function FileIcon({ type, path }: { type: 'file' | 'dir'; path: string }) {
  const kind = type === 'dir' ? 'dir' : kindOf(path);
  return (
    <svg className={`ws-icon ws-icon-${kind}`} viewBox="0 0 16 16" width="16" height="16" aria-hidden focusable="false">
      <path
        d={PATHS[kind]}
        fill="none"
        stroke="currentColor"
        strokeWidth="1.2"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}
