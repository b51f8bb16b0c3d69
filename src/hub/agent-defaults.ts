// The spawn form's defaults as the person saved them in Settings: one JSON file in the data folder, replaced whole.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Value } from 'typebox/value';
import { AgentDefaults } from '../shared/settings';
import type { SpawnAgentsBody } from '../shared/swarm';

interface SettingsFile {
  agent_defaults?: unknown;
}

function readSettingsFile(path: string): SettingsFile {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as SettingsFile) : {};
  } catch {
    return {};
  }
}

/**
 * The saved defaults; {} when none were saved. A file edited by hand into something invalid reads as {} too,
 * rather than pre-filling the spawn form with values the spawn route would refuse.
 */
export function readAgentDefaults(path: string): AgentDefaults {
  const saved = readSettingsFile(path).agent_defaults;
  return saved !== undefined && Value.Check(AgentDefaults, saved) ? saved : {};
}

/** Saves the defaults (already validated), keeping whatever else the file holds; written whole then renamed. */
export function writeAgentDefaults(path: string, defaults: AgentDefaults): void {
  const next = { ...readSettingsFile(path), agent_defaults: defaults };
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(next, null, 2) + '\n');
  // On disk before the rename: after a power cut the file is the old one or the new one, never empty.
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * A spawn request over the saved defaults: what the request says wins, so the API, the CLI and the dashboard's form
 * spawn the same agents; a default that belongs to the other kind (a command for local agents, a model for external
 * ones) is dropped rather than refused.
 */
export function withAgentDefaults(defaults: AgentDefaults, body: SpawnAgentsBody): SpawnAgentsBody {
  const merged: SpawnAgentsBody = { ...defaults, ...body };
  // The supervisor's rule: a command without a kind means an external agent.
  if ((merged.kind ?? (merged.command ? 'external' : 'local')) === 'local') {
    if (body.command === undefined) delete merged.command;
  } else if (body.model === undefined) {
    delete merged.model;
  }
  return merged;
}
