// Paths handed to other programs (the C++ compiler, git, the dynamic linker) from a packaged app: the unpacked copy.
import { sep } from 'node:path';

/**
 * Inside a packaged app this process reads <resources>/app.asar/<file> through Electron's archive support; another
 * program sees only the real file, which electron-builder's asarUnpack puts in app.asar.unpacked/<file>. Paths
 * outside an archive (a checkout, an unpacked app folder) come back unchanged.
 */
export function outsideAsar(path: string): string {
  return path.split(`${sep}app.asar${sep}`).join(`${sep}app.asar.unpacked${sep}`);
}
