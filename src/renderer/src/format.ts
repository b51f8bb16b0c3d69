// How numbers, sizes and times read in the dashboard: one place, so every view says it the same way.
import { parseStampedFilename } from '@shared/ids';

/** "12.3 MiB": the hub's and the bench's wording too, so a figure reads the same everywhere. */
export { formatBytes } from '@shared/bytes';

/** Up to `digits` significant decimals, no trailing zeros: 123.4, 1.05, 0.0123. */
export function formatNumber(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) < 1 ? Math.max(digits, 3) : digits });
}

/** "3 min ago", "yesterday", or a date for older things; `now` for tests and re-renders. */
export function formatAgo(iso: string, now = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const s = Math.round((now - then) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  if (s < 172800) return 'yesterday';
  return new Date(then).toLocaleDateString();
}

/** "2026-11-22 10:15:03" in local time, for hovers and detail views. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "1m 05s". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** A span in milliseconds as people say it: "850 ms", "4.2 s", "4 min 49 s", "1 h 05 min". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const total = Math.round(ms / 1000);
  if (total < 60) return `${total} s`;
  const m = Math.floor(total / 60);
  if (m < 60) return `${m} min ${total % 60} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** JSON text as a person reads it: parsed once, pretty-printed, with strings that hold JSON themselves decoded too. */
export function readableJson(text: string): string {
  const decode = (value: unknown, depth: number): unknown => {
    if (depth > 4) return value;
    if (typeof value === 'string') {
      const t = value.trim();
      if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']')) || t.startsWith('"')) {
        try {
          return decode(JSON.parse(t), depth + 1);
        } catch {
          return value;
        }
      }
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => decode(v, depth + 1));
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v, depth + 1)]));
    return value;
  };
  const value = decode(text, 0);
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return text;
  }
}

/** A cited record as a ref chip names it: its author and stamp (MM-DD HH:MM), or the filename when it has no stamp. */
export function refLabel(filename: string): string {
  const stamp = parseStampedFilename(filename);
  return stamp ? `${stamp.author} · ${formatTime(new Date(stamp.ms).toISOString()).slice(5, 16)}` : filename;
}

const BACKEND_LABEL: Record<string, string> = { cuda: 'CUDA', vulkan: 'Vulkan', metal: 'Metal', cpu: 'CPU' };

/** A llama.cpp backend as people name it ("CUDA"), or the hub's own word for one this page does not know. */
export function backendLabel(flavor: string): string {
  return BACKEND_LABEL[flavor] ?? flavor;
}
