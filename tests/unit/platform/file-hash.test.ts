// Model hashes are remembered while a file is unchanged and recomputed when it changes.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelFileSha256 } from '../../../src/platform/file-hash';

const dir = mkdtempSync(join(tmpdir(), 'collab-desk-hash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('modelFileSha256', () => {
  it('hashes a file once and answers from the cache until the file changes', async () => {
    const file = join(dir, 'm.gguf');
    const cache = join(dir, 'hashes.json');
    writeFileSync(file, 'GGUF first version');
    const first = await modelFileSha256(file, cache);
    expect(first).toBe(createHash('sha256').update('GGUF first version').digest('hex'));
    // The cache is what answers: a planted value for the same size and time comes back as is.
    const entries = JSON.parse(readFileSync(cache, 'utf8'));
    entries[file].sha256 = 'planted';
    writeFileSync(cache, JSON.stringify(entries));
    expect(await modelFileSha256(file, cache)).toBe('planted');
    writeFileSync(file, 'GGUF second version, longer');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(await modelFileSha256(file, cache)).toBe(
      createHash('sha256').update('GGUF second version, longer').digest('hex'),
    );
  });
});
