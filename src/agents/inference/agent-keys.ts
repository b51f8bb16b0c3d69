// Per-agent inference keys: each agent's key names it and is signed with the supervisor's key, which alone opens /control.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** `<agent>.<HMAC-SHA256(supervisor key, agent)>`: the host checks it without a list, and it survives host restarts. */
export function agentKey(supervisorKey: string, agentId: string): string {
  return `${agentId}.${mac(supervisorKey, agentId)}`;
}

/** The agent a key belongs to, or null when it is no agent key of this supervisor. */
export function agentOfKey(supervisorKey: string, given: string): string | null {
  const dot = given.lastIndexOf('.');
  if (dot <= 0) return null;
  const agent = given.slice(0, dot);
  const expected = Buffer.from(mac(supervisorKey, agent));
  const actual = Buffer.from(given.slice(dot + 1));
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? agent : null;
}

function mac(key: string, agentId: string): string {
  return createHmac('sha256', key).update(`collab-desk inference agent key\0${agentId}`).digest('base64url');
}
