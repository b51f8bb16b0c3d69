// Sizes as people read them, in binary units (KiB, MiB, GiB): one implementation for the hub, the bench and the dashboard.

/**
 * "12.3 MiB", "2.0 GiB", "900 B": one decimal below 10, none above. `wholeWithoutDecimal` writes an exact whole
 * number without its ".0" ("2 GiB"), as prose such as the onboarding README reads it.
 */
export function formatBytes(bytes: number, options: { wholeWithoutDecimal?: boolean } = {}): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown =
    options.wholeWithoutDecimal && Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 1 : 0);
  return `${shown} ${units[unit]}`;
}
