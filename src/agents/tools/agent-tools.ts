// The agent's whole tool set, one tool per hub action: what local agents call through the grammar and MCP clients call by name.
import type { ChallengeInfo } from '../../shared/challenge';
import type { HubClient } from '../../shared/hub-client';
import { HubClientError } from '../../shared/hub-error';
import { boardTools, type KnownNames } from './board-tools';
import { jobTools, resultTools } from './job-tools';
import { publicTools } from './public-tools';
import type { AgentTool } from './tool';

export type { JsonObjectSchema, JsonSchema } from './json-schema';
export type { KnownNames } from './board-tools';
export { runTool, DEFAULT_RESULT_CHARS, type AgentTool, type ToolContext, type ToolOutcome } from './tool';
export { NOTHING_FOLLOWED } from './public-tools';
export {
  submitJobConfigSchema,
  movableLevers,
  describeConfig,
  isMtpDrafter,
  DRAFT_N_MAX_CHOICES,
  CACHE_TYPE_CHOICES,
  OPTIONAL_CONFIG_KEYS,
  SCRATCH_MODEL,
} from './job-tools';

/**
 * Board, channels, workspace and results always; benchmark jobs only when a challenge is installed. The public
 * collabs' tools always for MCP clients (they answer in words when nothing is followed); for a local agent, given
 * what it may name, only when the hub follows a collab: a small model's step is not spent on a tool that cannot help.
 */
export function agentTools(challenge: ChallengeInfo | null, known?: KnownNames): AgentTool[] {
  const followed = known?.publicCollabs;
  const publicSet = known === undefined || followed?.length ? publicTools(followed) : [];
  return [...boardTools(known), ...resultTools(known), ...publicSet, ...(challenge ? jobTools(challenge, known) : [])];
}

/** The installed challenge, or null when the hub has none (NO_CHALLENGE); other failures are thrown. */
export async function fetchChallenge(hub: HubClient): Promise<ChallengeInfo | null> {
  try {
    return await hub.challenge();
  } catch (err) {
    if (err instanceof HubClientError && err.code === 'NO_CHALLENGE') return null;
    throw err;
  }
}
