// Whether a file on this machine is a GGUF model llama.cpp can open, from its header: the problem in words, or null.
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export type GgufProblem = { kind: 'missing' | 'not-gguf'; message: string };

/** Reads 8 bytes: the magic "GGUF" and the format version (llama.cpp reads 2 and 3). */
export function ggufFileProblem(path: string, role = ''): GgufProblem | null {
  const what = `the ${role ? `${role} ` : ''}model ${path}`;
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return { kind: 'missing', message: `${what} is not a file` };
    size = st.size;
  } catch {
    return { kind: 'missing', message: `${what} does not exist` };
  }
  const head = Buffer.alloc(8);
  try {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, 8, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return { kind: 'missing', message: `${what} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (size < 8 || head.toString('latin1', 0, 4) !== 'GGUF')
    return { kind: 'not-gguf', message: `${what} is not a GGUF file (it does not begin with the GGUF header)` };
  const version = head.readUInt32LE(4);
  if (version < 2 || version > 3)
    return { kind: 'not-gguf', message: `${what} has GGUF version ${version}; llama.cpp reads versions 2 and 3` };
  return null;
}
