#!/usr/bin/env node
// Fails when modules under src/ import each other in a circle (type-only imports included): DESIGN.md's layers allow none.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
/** The folder to check: src/ unless given (the tests check small made-up trees). */
const src = resolve(process.argv[2] ?? join(root, 'src'));
const EXTENSIONS = ['.ts', '.tsx', '.mts', '/index.ts', '/index.tsx'];
/** Import aliases of the builds (vite, vitest, tsconfig paths), resolved like relative paths. */
const ALIASES = { '@shared/': join(src, 'shared') + '/' };

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(m?ts|tsx)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The file a specifier names, or null for a package (packages cannot close a cycle through src/). */
function resolveImport(from, specifier) {
  let base = null;
  if (specifier.startsWith('.')) base = resolve(dirname(from), specifier);
  for (const [alias, target] of Object.entries(ALIASES))
    if (specifier.startsWith(alias)) base = target + specifier.slice(alias.length);
  if (base === null) return null;
  const stripped = base.replace(/\.(m?js|jsx)$/, '');
  for (const candidate of [base, ...EXTENSIONS.map((ext) => stripped + ext)]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

const files = sourceFiles(src);
const edges = new Map(
  files.map((file) => {
    // preProcessFile reads every import/export-from/import() syntactically, `import type` included.
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles.map((f) => resolveImport(file, f.fileName)).filter((t) => t !== null && t !== file);
    return [file, [...new Set(targets)]];
  }),
);

// Tarjan's strongly connected components: every component of more than one file is a cycle.
let index = 0;
const indexOf = new Map();
const lowOf = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function connect(file) {
  indexOf.set(file, index);
  lowOf.set(file, index++);
  stack.push(file);
  onStack.add(file);
  for (const next of edges.get(file) ?? []) {
    if (!indexOf.has(next)) {
      connect(next);
      lowOf.set(file, Math.min(lowOf.get(file), lowOf.get(next)));
    } else if (onStack.has(next)) lowOf.set(file, Math.min(lowOf.get(file), indexOf.get(next)));
  }
  if (lowOf.get(file) === indexOf.get(file)) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1) cycles.push(component);
  }
}
for (const file of files) if (!indexOf.has(file)) connect(file);

if (cycles.length === 0) {
  console.log(`import cycles: none among ${files.length} modules under ${relative(dirname(src), src)}/`);
} else {
  console.error(
    `import cycles: ${cycles.length} group(s) of modules import each other (type-only imports count too); break each by moving the shared part down a layer or passing it in:`,
  );
  for (const cycle of cycles)
    console.error(
      `  - ${cycle
        .map((f) => relative(dirname(src), f))
        .sort()
        .join(', ')}`,
    );
  process.exit(1);
}
