// A round mark with an author's initials, tinted by a hash of the handle so a face is recognisable down a long list.

/** Tints come from the theme's own colors (board.css), so both themes stay readable. */
const TINTS = 5;

function tintOf(handle: string): number {
  let h = 0;
  for (let i = 0; i < handle.length; i++) h = (h * 31 + handle.charCodeAt(i)) | 0;
  return Math.abs(h) % TINTS;
}

function initials(handle: string): string {
  const parts = handle
    .replace(/^human-?/, '')
    .split('-')
    .filter(Boolean);
  const letters = parts.length > 1 ? parts[0]![0]! + parts[1]![0]! : (parts[0] ?? handle).slice(0, 2);
  return letters.toUpperCase() || '?';
}

export function Avatar({ handle }: { handle: string }) {
  return (
    <span className={`board-avatar tint-${tintOf(handle)}`} aria-hidden>
      {initials(handle)}
    </span>
  );
}
