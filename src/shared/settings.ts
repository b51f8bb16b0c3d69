// GET/PUT /v1/settings: what the Settings view shows and changes (data folder, GPU / backend, agent defaults).
import { Type, type Static } from 'typebox';
import { SystemInfo } from './models';
import { Closed, Nullable } from './response-schema';
import { SpawnAgentsBody } from './swarm';

/** The spawn form's starting values: the same fields as POST /v1/swarm/agents, all optional. */
export const AgentDefaults = Type.Pick(
  SpawnAgentsBody,
  ['count', 'kind', 'command', 'model', 'role', 'budget_tokens', 'jobs_per_day', 'max_steps', 'sandbox'],
  { additionalProperties: false },
);
export type AgentDefaults = Static<typeof AgentDefaults>;

/** GET /v1/settings: where the hub keeps its state, the machine's compute, and the spawn form's defaults. */
export const SettingsInfo = Closed({
  data_dir: Type.String(),
  hub_url: Nullable(Type.String(), {
    description: 'the address this hub answers at (agents join through {hub_url}/README.md)',
  }),
  system: Nullable(SystemInfo, {
    description: "the machine's backend, GPU, CPU and memory; null when the hub runs without the model library",
  }),
  agent_defaults: AgentDefaults,
  welcome_seen_at: Nullable(Type.String(), {
    description: "when the organizer closed the desktop app's first-start welcome on this data folder; null: not yet",
  }),
});
export type SettingsInfo = Static<typeof SettingsInfo>;

/** PUT /v1/settings/agent-defaults: the defaults as saved. */
export const AgentDefaultsSaved = Closed({ agent_defaults: AgentDefaults });
export type AgentDefaultsSaved = Static<typeof AgentDefaultsSaved>;

/** PUT /v1/settings/welcome: the first-start welcome was read (it opens by itself no more on this data folder). */
export const WelcomeSeen = Closed({ welcome_seen_at: Type.String() });
export type WelcomeSeen = Static<typeof WelcomeSeen>;
