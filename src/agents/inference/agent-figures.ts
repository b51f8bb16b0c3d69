// Per-agent figures the host's /status reports: requests, prompt and completion tokens, tokens per second.
import type { InferenceAgentFigures } from '../../shared/swarm';
import type { Outcome } from './chat-generation';

interface AgentTally {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  seconds: number;
}

/** Summed per agent (as its key names it), so the swarm can show who uses the shared model and how fast it answers. */
export class AgentFigures {
  private readonly agents = new Map<string, AgentTally>();

  record(agent: string, outcome: Outcome): void {
    const t = this.agents.get(agent) ?? { requests: 0, prompt_tokens: 0, completion_tokens: 0, seconds: 0 };
    t.requests++;
    t.prompt_tokens += outcome.promptTokens;
    t.completion_tokens += outcome.completionTokens;
    t.seconds += outcome.seconds;
    this.agents.set(agent, t);
  }

  snapshot(): Record<string, InferenceAgentFigures> {
    // fromEntries defines own keys: an agent named "__proto__" is a line like any other
    return Object.fromEntries(
      [...this.agents].map(([agent, t]) => [
        agent,
        {
          requests: t.requests,
          prompt_tokens: t.prompt_tokens,
          completion_tokens: t.completion_tokens,
          tps: t.seconds > 0 ? t.completion_tokens / t.seconds : null,
        },
      ]),
    );
  }
}
