// The run configuration as a form reads it: fields from the shared schema (options, bounds, defaults), grouped by lever.
import type { ChallengeInfo } from '@shared/challenge';
import { LEVERS, leversOf, leverById } from '@shared/levers';
import { RunConfigSchema, type RunConfig } from '@shared/run-config';

export type ConfigKey = keyof RunConfig & string;

export interface ConfigField {
  key: ConfigKey;
  type: 'enum' | 'integer' | 'number' | 'string';
  options: string[];
  min?: number;
  max?: number;
  default?: unknown;
  description?: string;
}

export interface FieldGroup {
  title: string;
  hint?: string;
  keys: ConfigKey[];
}

interface PropertySchema {
  type?: string;
  anyOf?: Array<{ const?: unknown }>;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  description?: string;
}

const properties = RunConfigSchema.properties as unknown as Record<ConfigKey, PropertySchema>;

function fieldOf(key: ConfigKey, p: PropertySchema): ConfigField {
  if (p.anyOf)
    return {
      key,
      type: 'enum',
      options: p.anyOf.map((o) => String(o.const)),
      default: p.default,
      description: p.description,
    };
  const type = p.type === 'integer' ? 'integer' : p.type === 'number' ? 'number' : 'string';
  return { key, type, options: [], min: p.minimum, max: p.maximum, default: p.default, description: p.description };
}

export const CONFIG_FIELDS: Record<ConfigKey, ConfigField> = Object.fromEntries(
  (Object.keys(properties) as ConfigKey[]).map((key) => [key, fieldOf(key, properties[key])]),
) as Record<ConfigKey, ConfigField>;

/** Models and speculation first, then each lever's own settings, then whatever no lever names. */
export const FIELD_GROUPS: FieldGroup[] = (() => {
  const placed = new Set<ConfigKey>(['target', 'draft', 'spec_type', 'draft_loop']);
  const groups: FieldGroup[] = [
    { title: 'Models and speculation', keys: ['target', 'spec_type', 'draft', 'draft_loop'] },
  ];
  for (const lever of LEVERS) {
    const keys = lever.keys.filter((k) => !placed.has(k) && k in CONFIG_FIELDS) as ConfigKey[];
    keys.forEach((k) => placed.add(k));
    if (keys.length) groups.push({ title: lever.title, hint: lever.hint, keys });
  }
  const rest = (Object.keys(CONFIG_FIELDS) as ConfigKey[]).filter((k) => !placed.has(k));
  if (rest.length) groups.push({ title: 'Other', keys: rest });
  return groups;
})();

/** Every setting's schema default. */
export const SCHEMA_DEFAULTS: Partial<RunConfig> = Object.fromEntries(
  Object.values(CONFIG_FIELDS)
    .filter((f) => f.default !== undefined)
    .map((f) => [f.key, f.default]),
) as Partial<RunConfig>;

/** The configuration every speedup is measured against: the pack's defaults, its baseline target, no speculation. */
export function baselineConfig(challenge: ChallengeInfo | null): Partial<RunConfig> {
  return {
    ...SCHEMA_DEFAULTS,
    ...(challenge?.defaults as Partial<RunConfig> | undefined),
    ...(challenge ? { target: challenge.baseline.target } : {}),
    spec_type: 'none',
  };
}

/** A setting's value as one short line: objects (which no setting should be) as JSON rather than "[object Object]". */
export function settingText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}

/**
 * What a job changes from the baseline: the levers it works and each differing setting. A job with no config (a
 * verification of a result published without one) changes nothing that could be named.
 */
export function configSummary(config: unknown, baseline: Partial<RunConfig>): { levers: string[]; changes: string[] } {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return { levers: [], changes: [] };
  let levers: string[] = [];
  try {
    levers = leversOf(config as Partial<RunConfig>, baseline).map((id) => leverById(id)?.title ?? id);
  } catch {
    // Settings of types no lever expects: the changes below still say what the job ran.
  }
  const changes = Object.entries(config as Record<string, unknown>)
    .filter(([k, v]) => v !== undefined && (baseline as Record<string, unknown>)[k] !== v)
    .map(([k, v]) => `${k}=${settingText(v)}`);
  return { levers, changes };
}
