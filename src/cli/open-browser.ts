// Opening a URL in the person's browser with the platform's own opener, where there is one; never a failure when there is not.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The opener of this platform and the arguments before the URL, or null where none can work (a headless Linux). */
function opener(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): { command: string; args: string[] } | null {
  if (platform === 'darwin') return { command: 'open', args: [] };
  // rundll32 hands the URL to the default browser as one argument: no shell parses its `&`s (cmd's `start` would).
  if (platform === 'win32') return { command: 'rundll32', args: ['url.dll,FileProtocolHandler'] };
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return null;
  return { command: 'xdg-open', args: [] };
}

function onPath(command: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): boolean {
  if (platform === 'win32') return true; // rundll32 is part of Windows.
  return (env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Starts the platform's opener on `url`, detached, its output ignored; says whether one was started. The person
 * always gets the URL printed as well: an opener that starts and then fails (no browser) costs nothing.
 * COLLAB_DESK_NO_BROWSER=1 turns it off (tests, remote shells).
 */
export function openInBrowser(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): boolean {
  if (env.COLLAB_DESK_NO_BROWSER && env.COLLAB_DESK_NO_BROWSER !== '0') return false;
  if (!/^https?:\/\//i.test(url)) return false;
  const found = opener(env, platform);
  if (!found || !onPath(found.command, env, platform)) return false;
  try {
    const child = spawn(found.command, [...found.args, url], { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
