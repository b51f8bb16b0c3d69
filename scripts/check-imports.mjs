#!/usr/bin/env node
// Fails when an import under src/ crosses DESIGN.md's layers or closes a cycle, counting what eslint's
// no-restricted-imports cannot see: dynamic import(), require(), type-only imports, the @shared alias outside the page.
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

/**
 * What each top folder of src/ may import besides itself: shared <- platform <- services (never each other) <- the
 * composition roots; the page and the bridge see the contract only. Folders not named here are not checked.
 */
const SERVICES = ['hub', 'bench', 'agents', 'sync'];
const MAY_IMPORT = {
  shared: [],
  platform: ['shared'],
  ...Object.fromEntries(SERVICES.map((s) => [s, ['shared', 'platform']])),
  cli: ['shared', 'platform', ...SERVICES],
  main: ['shared', 'platform', ...SERVICES, 'cli'],
  preload: ['shared'],
  renderer: ['shared'],
};
const layerOf = (file) => relative(src, file).split('/')[0];
const shown = (file) => relative(dirname(src), file);

const files = sourceFiles(src);
const crossings = [];
const edges = new Map(
  files.map((file) => {
    // preProcessFile reads every import/export-from/import()/require() syntactically, `import type` included.
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = [];
    for (const { fileName } of importedFiles) {
      // The alias exists in the dashboard's build only: the CLI and main bundles would not resolve it.
      if (fileName.startsWith('@shared/') && layerOf(file) !== 'renderer') {
        crossings.push(
          `${shown(file)} imports "${fileName}": only src/renderer may use @shared/ (write a relative path)`,
        );
      }
      const target = resolveImport(file, fileName);
      if (target === null || target === file) continue;
      targets.push(target);
      const [from, to] = [layerOf(file), layerOf(target)];
      // Files outside src/ (package.json for the version) belong to no layer.
      if (from !== to && to !== '..' && MAY_IMPORT[from] && !MAY_IMPORT[from].includes(to)) {
        crossings.push(
          `${shown(file)} imports ${shown(target)}: src/${from} may import ${[...MAY_IMPORT[from], from].map((l) => `src/${l}`).join(', ')} only`,
        );
      }
    }
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

for (const line of crossings) console.error(`layers: ${line}`);
if (cycles.length > 0) {
  console.error(
    `import cycles: ${cycles.length} group(s) of modules import each other (type-only imports count too); break each by moving the shared part down a layer or passing it in:`,
  );
  for (const cycle of cycles) console.error(`  - ${cycle.map(shown).sort().join(', ')}`);
}
if (crossings.length > 0 || cycles.length > 0) process.exit(1);
console.log(`imports: no layer crossed and no cycle among ${files.length} modules under ${shown(src)}/`);
