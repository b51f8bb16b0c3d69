// Electron's security checklist, applied app-wide: every web contents stays on the hub's origin, opens no windows,
// attaches no webviews and is granted no permission; links elsewhere go to the system browser.
import { app, session, shell, type WebContents } from 'electron';

/** http(s) links only: file:, javascript:, custom protocols never reach the OS. */
export function isExternalWebLink(target: string): boolean {
  try {
    const url = new URL(target);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Same origin as the hub, compared parsed (a prefix test would let http://127.0.0.1:4440.evil.example through). */
export function isHubUrl(target: string, hubOrigin: string): boolean {
  try {
    return new URL(target).origin === hubOrigin;
  } catch {
    return false;
  }
}

function guard(contents: WebContents, hubOrigin: () => string | null): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalWebLink(url) && !isHubUrl(url, hubOrigin() ?? '')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const stayOnHub = (event: { preventDefault(): void }, url: string) => {
    const origin = hubOrigin();
    if (origin && isHubUrl(url, origin)) return;
    event.preventDefault();
    if (isExternalWebLink(url)) void shell.openExternal(url);
  };
  contents.on('will-navigate', stayOnHub);
  contents.on('will-redirect', stayOnHub);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Call before any window opens. `hubOrigin` is read at each check: the hub's port is known only once it listens. */
export function installWebSecurity(hubOrigin: () => string | null): void {
  app.on('web-contents-created', (_event, contents) => guard(contents, hubOrigin));
  // The dashboard needs no camera, notifications, clipboard reads or anything else a site can ask for.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}
