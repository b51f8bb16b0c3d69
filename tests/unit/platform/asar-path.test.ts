// Paths other programs read from a packaged app name the unpacked copy; elsewhere they are left alone.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outsideAsar } from '../../../src/platform/asar-path';

describe('outsideAsar', () => {
  it('turns a file inside the archive into its unpacked copy', () => {
    const resources = join('/opt', 'Collab Desk', 'resources');
    expect(outsideAsar(join(resources, 'app.asar', 'out', 'main', 'native', 'spec-runner.cpp'))).toBe(
      join(resources, 'app.asar.unpacked', 'out', 'main', 'native', 'spec-runner.cpp'),
    );
  });

  it('leaves a checkout, an unpacked app folder and look-alike names as they are', () => {
    for (const path of [
      join('/work', 'collab-desk', 'out', 'main', 'native', 'spec-runner.cpp'),
      join('/opt', 'app', 'resources', 'app', 'node_modules', '@node-llama-cpp', 'linux-x64', 'bins'),
      join('/home', 'ada', 'my-app.asar-notes', 'x.cpp'),
      join('/opt', 'resources', 'app.asar.unpacked', 'out', 'x.cpp'),
    ])
      expect(outsideAsar(path)).toBe(path);
  });
});
