// Diversity by design: spreads the swarm's starting directions over the lever map and pulls agents off crowded levers.
import { LEVERS, leverById } from '../shared/levers';

export interface Reassignment {
  agent: string;
  from: string;
  to: string;
  reason: string;
}

/**
 * The public challenge's agents collapsed onto the first ideas they read. Here each agent's latest job is classified
 * by the levers it moves; when more agents than the share allows work one lever, the agent that just joined the
 * crowd is sent back to its own direction if that is quiet, else to the least-taken lever.
 */
export class LeverBalancer {
  private readonly latest = new Map<string, string[]>();
  /**
   * The levers a job can move with the installed pack (submit_job's settings that have more than one choice); null
   * while no challenge is known. An agent is never sent to another: a direction its tools cannot follow is a dead end.
   */
  movable: readonly string[] | null = null;

  /**
   * The lever the fewest agents hold as their direction (the map's order breaks ties: it lists the big levers
   * first), never one of `avoid`, and only a movable one.
   */
  freshDirection(directions: string[], avoid: string[] = []): string {
    const taken = (id: string) => directions.filter((d) => d === id).length;
    const movable = this.movable;
    const levers = movable?.length ? LEVERS.filter((l) => movable.includes(l.id)) : LEVERS;
    const open = levers.filter((l) => !avoid.includes(l.id));
    return [...(open.length ? open : levers)].sort(
      (a, b) => taken(a.id) - taken(b.id) || LEVERS.indexOf(a) - LEVERS.indexOf(b),
    )[0]!.id;
  }

  forget(agent: string): void {
    this.latest.delete(agent);
  }

  /** Agents per lever, from their latest jobs. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const levers of this.latest.values()) for (const l of levers) out[l] = (out[l] ?? 0) + 1;
    return out;
  }

  /** Records an agent's new job and says whether it must move; directions maps every live agent to its direction. */
  record(agent: string, levers: string[], directions: Map<string, string>): Reassignment | null {
    this.latest.set(agent, levers);
    const share = Math.max(1, Math.ceil(directions.size / 3));
    const counts = this.counts();
    const current = directions.get(agent);
    if (current === undefined) return null;
    const crowded = levers.find((l) => l !== current && (counts[l] ?? 0) > share);
    if (!crowded) return null;
    const others = [...directions].filter(([id]) => id !== agent).map(([, d]) => d);
    const ownIsQuiet = (counts[current] ?? 0) <= share;
    const busy = Object.keys(counts).filter((l) => counts[l]! > share);
    const to = ownIsQuiet ? current : this.freshDirection(others, busy);
    const title = (id: string) => leverById(id)?.title ?? id;
    return {
      agent,
      from: current,
      to,
      reason: `${counts[crowded]} agents' latest jobs all work ${title(crowded)}; ${to === current ? 'go back to your own direction' : 'you move to'} ${title(to)}: ${leverById(to)?.hint ?? ''}`,
    };
  }
}
