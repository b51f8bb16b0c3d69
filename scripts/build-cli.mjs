// Bundles the headless entry points (the `collab-desk` CLI) into out/cli with esbuild; dependencies stay external.
// The native runner's C++ source travels beside the bundle: it is compiled on the user's machine at first use.
import { build } from 'esbuild';
import { cpSync } from 'node:fs';

await build({
  entryPoints: { index: 'src/cli/index.ts' },
  outdir: 'out/cli',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
cpSync('src/bench/native', 'out/cli/native', { recursive: true });
cpSync('resources', 'out/resources', { recursive: true });
