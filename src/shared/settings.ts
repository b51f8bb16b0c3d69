// GET/PUT /v1/settings: what the Settings view shows and changes (data folder, GPU / backend, agent defaults).
import { Type, type Static } from 'typebox';
import { SpawnAgentsBody } from './swarm';

/** The spawn form's starting values: the same fields as POST /v1/swarm/agents, all optional. */
export const AgentDefaults = Type.Pick(SpawnAgentsBody, ['count', 'kind', 'command', 'model', 'role', 'budget_tokens', 'jobs_per_day', 'max_steps'], { additionalProperties: false });
export type AgentDefaults = Static<typeof AgentDefaults>;
