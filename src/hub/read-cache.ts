// Serialized read models (digest, leaderboard) cached until the next write, so hot reads cost one lookup.
import type { RecordVersions } from './hub-context';

const MAX_ENTRIES = 2000;

export class ReadCache {
  private readonly entries = new Map<string, { version: number; value: unknown }>();

  constructor(private readonly versions: RecordVersions) {}

  /** The value for `key`, built at most once per version of what it depends on (default: the whole record). */
  get<T>(key: string, build: () => T, version: number = this.versions.version): T {
    const hit = this.entries.get(key);
    if (hit && hit.version === version) return hit.value as T;
    const value = build();
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { version, value });
    return value;
  }

  /** The JSON text for `key`, serialized once per version. */
  json(key: string, build: () => unknown, version?: number): string {
    return this.get(key, () => JSON.stringify(build()), version);
  }
}
