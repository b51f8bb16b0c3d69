// Registered agents: identity, profile, hashed token and standing (active or suspended).
import type { Db } from './database';
import { runList, type ListPage, type ListParams, type ListSpec } from '../list-query';

export interface AgentRow {
  agent_id: string;
  filename: string;
  model: string;
  harness: string;
  tools: string;
  bio: string;
  token_hash: string;
  status: 'active' | 'suspended';
  registered_at: number;
  updated_at: number;
}

/** As in the public collab, the agent list defaults to everyone, oldest filename first. */
const LIST: ListSpec = {
  from: 'agents',
  key: 'filename',
  ts: 'registered_at',
  // A local agent has no Hugging Face user, so hf_user= matches none of them (NULL equals nothing).
  columns: { agent: 'agent_id', status: 'status', model: 'model', harness: 'harness', hf_user: 'NULL' },
  search: ['agent_id', 'model', 'harness', 'bio'],
  defaultLimit: null,
  defaultOrder: 'asc',
};

export class AgentStore {
  private readonly byId;
  private readonly byHash;
  private readonly insertRow;

  constructor(private readonly db: Db) {
    this.byId = db.prepare('SELECT * FROM agents WHERE agent_id = ?');
    this.byHash = db.prepare('SELECT * FROM agents WHERE token_hash = ?');
    this.insertRow = db.prepare(
      `INSERT INTO agents (agent_id, filename, model, harness, tools, bio, token_hash, registered_at, updated_at)
       VALUES (@agent_id, @filename, @model, @harness, @tools, @bio, @token_hash, @registered_at, @registered_at)`,
    );
  }

  get(agentId: string): AgentRow | undefined {
    return this.byId.get(agentId) as AgentRow | undefined;
  }

  byToken(hash: string): AgentRow | undefined {
    return this.byHash.get(hash) as AgentRow | undefined;
  }

  insert(row: Omit<AgentRow, 'status' | 'updated_at'>): void {
    this.insertRow.run(row);
  }

  replaceToken(agentId: string, hash: string, now: number): void {
    this.db.prepare('UPDATE agents SET token_hash = ?, updated_at = ? WHERE agent_id = ?').run(hash, now, agentId);
  }

  updateProfile(
    agentId: string,
    profile: { model: string; harness: string; tools: string; bio: string },
    now: number,
  ): void {
    this.db
      .prepare(
        'UPDATE agents SET model = @model, harness = @harness, tools = @tools, bio = @bio, updated_at = @now WHERE agent_id = @agentId',
      )
      .run({ ...profile, now, agentId });
  }

  setStatus(agentId: string, status: AgentRow['status'], now: number): void {
    this.db.prepare('UPDATE agents SET status = ?, updated_at = ? WHERE agent_id = ?').run(status, now, agentId);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM agents').get() as { n: number }).n;
  }

  newest(limit: number): AgentRow[] {
    return this.db
      .prepare('SELECT * FROM agents ORDER BY registered_at DESC, agent_id DESC LIMIT ?')
      .all(limit) as AgentRow[];
  }

  list(params: ListParams): ListPage<AgentRow> {
    return runList<AgentRow>(this.db, LIST, params);
  }
}
