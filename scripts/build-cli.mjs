// Bundles the headless entry points (the `collab-desk` CLI) into out/cli with esbuild; dependencies stay external.
import { build } from 'esbuild';

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
