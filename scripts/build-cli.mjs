// Bundles the headless entry points (the `collab-desk` CLI and the child processes it starts) into out/cli with esbuild; dependencies stay external.
// The native runner's C++ source travels beside the bundle: it is compiled on the user's machine at first use.
import { build } from 'esbuild';
import { cpSync } from 'node:fs';

await build({
  entryPoints: {
    index: 'src/cli/index.ts',
    'inference-host': 'src/agents/inference/inference-host-main.ts',
    'agent-worker': 'src/agents/agent-worker-main.ts',
  },
  outdir: 'out/cli',
  bundle: true,
  // Shared code goes into chunks, and a dynamic import (the MCP SDK) stays off the start of every other command.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
cpSync('src/bench/native', 'out/cli/native', { recursive: true });
cpSync('resources', 'out/resources', { recursive: true });
