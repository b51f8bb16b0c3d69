// Escape in a form closes it, unless something inside it used the key first: a select, an open dropdown or preview.
import type { KeyboardEvent } from 'react';

/** For a form's onKeyDown: closes an open <details> inside it first, then the form; leaves selects and open dropdowns alone. */
export function onFormEscape(e: KeyboardEvent, close: () => void): void {
  if (e.key !== 'Escape' || e.defaultPrevented || e.nativeEvent.isComposing) return;
  const target = e.target as Element;
  // A select takes Escape for its own list; an element that says it is expanded owns the key too.
  if (target instanceof HTMLSelectElement || target.closest('[aria-expanded="true"]')) return;
  e.preventDefault();
  const details = target.closest('details[open]');
  if (details) details.removeAttribute('open');
  else close();
}
