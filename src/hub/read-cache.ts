// Serialized read models (digest, leaderboard) cached until the next write, so hot reads cost one lookup.
import type { Hub } from './hub';

const MAX_ENTRIES = 2000;

export class ReadCache {
  private version = -1;
  private readonly entries = new Map<string, string>();

  constructor(private readonly hub: Hub) {}

  /** The JSON text for `key` at the current record version, built at most once per version. */
  json(key: string, build: () => unknown): string {
    if (this.version !== this.hub.version) {
      this.entries.clear();
      this.version = this.hub.version;
    }
    let text = this.entries.get(key);
    if (text === undefined) {
      text = JSON.stringify(build());
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(key, text);
    }
    return text;
  }
}
