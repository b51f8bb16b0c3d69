// The public collab's names for this hub: its org, its collab slug, its central bucket and each agent's bucket.
import type { HubConfig } from '../shared/config';

type NamingConfig = Pick<HubConfig, 'org' | 'collab_slug' | 'title'>;

/**
 * The slug public clients build bucket names from (`<org>/<slug>-<agent>`): the configured one, else the title in
 * the agent-id alphabet ("Collab Desk" -> "collab-desk"), so a hub nobody configured still has a valid one (it follows the title).
 */
export function collabSlug(config: NamingConfig): string {
  if (config.collab_slug !== '') return config.collab_slug;
  const fromTitle = config.title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // the accents NFKD splits off: "Crème" -> "creme", not "cre-me"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 55) // with "-" and a 40-character agent id, a bucket name stays within the Hub's 96 characters
    .replace(/^-+|-+$/g, '');
  return fromTitle === '' ? 'collab' : fromTitle;
}

/** `<org>/<slug>-main-bucket`: the public name of the central record (here, the hub's central/ folder). */
export function centralBucket(config: NamingConfig): string {
  return `${config.org}/${collabSlug(config)}-main-bucket`;
}

/** `<org>/<slug>-<agent>`: the public name of an agent's scratch bucket (here, its scratch folder). */
export function agentBucket(config: NamingConfig, agentId: string): string {
  return `${config.org}/${collabSlug(config)}-${agentId}`;
}
