#!/usr/bin/env node
// The `collab-desk` command: runs the CLI bundle that `npm install` (the prepare script) builds into out/cli.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../out/cli/index.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('collab-desk is not built yet: run `npm install` (or `npm run build:cli`) in the project folder.');
  process.exit(1);
}
await import(entry);
