// Where a workspace location lives in the hash route and on the hub, and how its paths split into names.

/**
 * A location is a root plus a relative path ("" for the root itself). Roots are written as the hub's own URL
 * prefix, so the route and the API read the same:
 *   #/workspace/central/<path...>          GET /v1/central/<path>          (the central record)
 *   #/workspace/scratch/<agent>/<path...>  GET /v1/scratch/<agent>/<path>  (one agent's scratch folder)
 * The route does not say whether a path is a file or a folder: the parent folder's listing does.
 */
export interface WorkspaceLocation {
  /** "central" or "scratch/<agent>". */
  root: string;
  path: string;
}

export const CENTRAL = 'central';

export function scratchRoot(agentId: string): string {
  return `scratch/${agentId}`;
}

/** The agent whose scratch folder a root is; null for central. */
export function agentOfRoot(root: string): string | null {
  return root.startsWith('scratch/') ? root.slice('scratch/'.length) : null;
}

/** The panel's route parts (after "workspace") as a location; anything unreadable opens the central root. */
export function locationFromRoute(rest: string[]): WorkspaceLocation {
  const [first, second, ...more] = rest;
  if (first === 'scratch' && second) return { root: scratchRoot(second), path: more.join('/') };
  if (first === CENTRAL)
    return { root: CENTRAL, path: [second, ...more].filter((s): s is string => Boolean(s)).join('/') };
  return { root: CENTRAL, path: '' };
}

/** The route parts of a location, for routeHref('workspace', ...parts). */
export function routeParts(root: string, path: string): string[] {
  return [...root.split('/'), ...(path ? path.split('/') : [])];
}

/** The hub URL that lists a folder or serves a file; each segment encoded on its own. */
export function apiUrl(root: string, path: string): string {
  const base = `/v1/${root.split('/').map(encodeURIComponent).join('/')}`;
  return path ? `${base}/${path.split('/').map(encodeURIComponent).join('/')}` : base;
}

/** One key per folder or file across roots ("central:results", "scratch/alice:notes/a.md"). */
export function locationKey(root: string, path: string): string {
  return `${root}:${path}`;
}

export function parentPath(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut < 0 ? '' : path.slice(0, cut);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** "", "a", "a/b" for "a/b/c": the folders that hold a path, the root first. */
export function ancestorPaths(path: string): string[] {
  const out = [''];
  const segments = path ? path.split('/') : [];
  for (let i = 1; i < segments.length; i++) out.push(segments.slice(0, i).join('/'));
  return out;
}

/** How a root is named to a person. */
export function rootLabel(root: string): string {
  const agent = agentOfRoot(root);
  return agent ? `${agent} · scratch` : 'Central record';
}
