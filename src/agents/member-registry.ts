// The swarm's members: the live ones by id, and the agent ids this swarm registered on the hub (kept across restarts).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isValidAgentId } from '../shared/ids';
import { SwarmError } from '../shared/swarm';
import type { SwarmMember } from './swarm-member';

/**
 * An agent id on the hub is someone's for good: the file of ids this swarm registered (<data>/swarm/agents.json)
 * lets a restarted swarm take its own agents back (re-issuing their tokens) instead of counting up past them, and
 * never take an id another agent on the hub holds.
 */
export class MemberRegistry {
  private readonly live = new Map<string, SwarmMember>();

  constructor(private readonly file: string) {}

  get size(): number {
    return this.live.size;
  }

  all(): SwarmMember[] {
    return [...this.live.values()];
  }

  add(member: SwarmMember): void {
    this.live.set(member.spec.agentId, member);
  }

  remove(agentId: string): void {
    this.live.delete(agentId);
  }

  /** The member, or the swarm's NOT_FOUND for a route to answer. */
  get(agentId: string): SwarmMember {
    const m = this.live.get(agentId);
    if (!m) throw new SwarmError('NOT_FOUND', `no swarm agent "${agentId}"`, "GET /v1/swarm lists the swarm's agents");
    return m;
  }

  /** The ids this swarm registered on the hub, in this run or an earlier one (none when the file is missing or bad). */
  registeredIds(): string[] {
    if (!existsSync(this.file)) return [];
    try {
      const ids = (JSON.parse(readFileSync(this.file, 'utf8')) as { agents?: unknown }).agents;
      return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  saveRegisteredIds(ids: string[]): void {
    writeFileSync(this.file, JSON.stringify({ agents: [...new Set(ids)] }, null, 2) + '\n');
  }

  /**
   * The next <prefix>-<n> that is neither live nor someone else's agent on the hub (our own earlier ones are reused).
   * `existsOnHub` asks the hub about an id this swarm never registered.
   */
  async freeId(
    prefix: string,
    registered: string[],
    existsOnHub: (agentId: string) => Promise<boolean>,
  ): Promise<string> {
    for (let n = 1; n < 10_000; n++) {
      const id = `${prefix}-${n}`;
      if (!isValidAgentId(id)) break;
      if (this.live.has(id)) continue;
      if (registered.includes(id)) return id;
      if (!(await existsOnHub(id))) return id;
    }
    throw new SwarmError('INVALID_BODY', `no free agent id with the prefix "${prefix}"`, 'pass another name');
  }
}
