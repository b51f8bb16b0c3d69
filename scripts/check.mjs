#!/usr/bin/env node
// `npm run check`, the fast loop: typecheck (node + web), lint (layers, type-aware rules), the format, imports (layers, cycles)
// and the unit tests, run side by side; prints each step's time and the output of any that failed.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

// Caches under node_modules/.cache make the loop fast after its first run: tsc keeps its build info, eslint and
// Prettier skip files unchanged since they last passed (so a type-aware finding in an unchanged file, caused by another
// file's new types, waits for `npm test`, which runs without caches, from nothing, as CI does).
const CACHE = 'node_modules/.cache/collab-desk-check';
const STEPS = [
  { name: 'lint', command: 'npx', args: ['eslint', '--cache', '--cache-location', `${CACHE}/eslint`, '.'] },
  {
    name: 'typecheck node',
    command: 'npx',
    args: [
      'tsc',
      '-p',
      'tsconfig.node.json',
      '--noEmit',
      '--incremental',
      '--tsBuildInfoFile',
      `${CACHE}/node.tsbuildinfo`,
    ],
  },
  {
    name: 'typecheck web',
    command: 'npx',
    args: [
      'tsc',
      '-p',
      'tsconfig.web.json',
      '--noEmit',
      '--incremental',
      '--tsBuildInfoFile',
      `${CACHE}/web.tsbuildinfo`,
    ],
  },
  { name: 'unit tests', command: 'npx', args: ['vitest', 'run', 'tests/unit', '--reporter=dot'] },
  {
    name: 'format',
    command: 'npx',
    args: ['prettier', '--check', '--log-level', 'warn', '--cache', '--cache-location', `${CACHE}/prettier`, '.'],
  },
  { name: 'imports', command: 'node', args: ['scripts/check-imports.mjs'] },
];

function runStep(step) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`${code === 0 ? 'ok  ' : 'FAIL'} ${step.name.padEnd(15)} ${seconds.padStart(5)} s`);
      resolve({ step, ok: code === 0, output });
    });
  });
}

// As many steps at once as the machine has cores (each of tsc and eslint keeps one busy), the slowest (lint) first.
const started = performance.now();
const queue = [...STEPS];
const results = [];
async function worker() {
  for (let step = queue.shift(); step; step = queue.shift()) results.push(await runStep(step));
}
await Promise.all(Array.from({ length: Math.max(1, Math.min(availableParallelism(), STEPS.length)) }, worker));

const failed = results.filter((r) => !r.ok);
for (const { step, output } of failed) console.log(`\n---- ${step.name} ----\n${output.trim()}`);
console.log(
  `\ncheck: ${failed.length ? `${failed.length} of ${STEPS.length} steps failed` : 'all steps passed'} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
process.exit(failed.length ? 1 : 0);
