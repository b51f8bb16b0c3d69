// Loads the hub's config.json from the data folder, filling defaults and refusing invalid settings by name.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Value } from 'typebox/value';
import { HubConfigSchema, type HubConfig } from '../shared/config';

export function defaultHubConfig(): HubConfig {
  return Value.Default(HubConfigSchema, {}) as HubConfig;
}

/** Merges overrides onto the stored (or default) config; a missing file is written so the user can edit it. */
export function loadHubConfig(file: string, overrides: Partial<HubConfig> = {}): HubConfig {
  let stored: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`${file} is not valid JSON (${(err as Error).message}); fix it or delete it to get the defaults`);
    }
  }
  const merged = {
    ...stored,
    ...overrides,
    results: { ...(stored.results as object), ...overrides.results },
    limits: { ...(stored.limits as object), ...overrides.limits },
    jobs: { ...(stored.jobs as object), ...overrides.jobs },
  };
  const config = Value.Default(HubConfigSchema, merged);
  const errors = [...Value.Errors(HubConfigSchema, config)];
  if (errors.length > 0) {
    const lines = errors.slice(0, 5).map((e) => `  ${e.instancePath || '/'}: ${e.message}`);
    throw new Error(
      `${file} has invalid settings:\n${lines.join('\n')}\nfix them or delete the file to get the defaults`,
    );
  }
  if (!existsSync(file)) writeFileSync(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o644 });
  return config as HubConfig;
}
