// The import check that `npm run lint` runs: layers crossed (dynamic imports and the @shared alias included) and
// modules that import each other (type-only imports included), each named.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const script = join(__dirname, '../../../scripts/check-imports.mjs');
let folder: string | null = null;

function tree(files: Record<string, string>): string {
  folder = mkdtempSync(join(tmpdir(), 'cycles-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  return folder;
}

function check(dir: string): { code: number; output: string } {
  try {
    return { code: 0, output: execFileSync('node', [script, dir], { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, output: e.stdout + e.stderr };
  }
}

afterEach(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = null;
});

describe('the import check', () => {
  it('passes a tree whose imports only go one way', () => {
    const result = check(
      tree({
        'a.ts': "import { b } from './b';\nexport const a = b;\n",
        'b.ts': "import { c } from './lib/c';\nexport const b = c;\n",
        'lib/c.ts': 'export const c = 1;\n',
      }),
    );
    expect(result.code).toBe(0);
    expect(result.output).toContain('no layer crossed and no cycle among 3 modules');
  });

  it('fails on two modules that import each other only for types, and names both', () => {
    const result = check(
      tree({
        'hub.ts': "import type { Board } from './board';\nexport interface Hub { board: Board }\n",
        'board.ts': "import type { Hub } from './hub';\nexport interface Board { hub: Hub }\n",
        'other.ts': "import type { Hub } from './hub';\nexport type H = Hub;\n",
      }),
    );
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/cycles-\w+\/board\.ts, cycles-\w+\/hub\.ts/);
    expect(result.output).not.toContain('other.ts');
  });

  it('follows re-exports, folder index files and dynamic imports around a longer circle', () => {
    const result = check(
      tree({
        'a.ts': "export * from './b';\n",
        'b/index.ts': "export const load = () => import('../c');\n",
        'c.ts': "export { x } from './a';\nexport const y = 1;\n",
      }),
    );
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/\/a\.ts, cycles-\w+\/b\/index\.ts, cycles-\w+\/c\.ts/);
  });

  it('fails on a service importing another service, even through a dynamic import, and says what it may import', () => {
    const result = check(
      tree({
        'shared/api.ts': 'export type Id = string;\n',
        'bench/engine.ts':
          "import type { Id } from '../shared/api';\nexport const run = (id: Id) => import('../hub/board');\n",
        'hub/board.ts': 'export const post = 1;\n',
      }),
    );
    expect(result.code).toBe(1);
    expect(result.output).toMatch(
      /bench\/engine\.ts imports cycles-\w+\/hub\/board\.ts: src\/bench may import src\/shared, src\/platform, src\/bench only/,
    );
  });

  it('fails on the page importing Node-only platform code, and on @shared/ outside the page', () => {
    const result = check(
      tree({
        'shared/ids.ts': 'export const ID = 1;\n',
        'platform/data-folder.ts': "import { ID } from '../shared/ids';\nexport const layout = ID;\n",
        'renderer/src/store.ts':
          "import { ID } from '@shared/ids';\nimport { layout } from '../../platform/data-folder';\nexport const x = ID + layout;\n",
        'hub/hub.ts': "import { ID } from '@shared/ids';\nexport const y = ID;\n",
      }),
    );
    expect(result.code).toBe(1);
    expect(result.output).toMatch(
      /renderer\/src\/store\.ts imports cycles-\w+\/platform\/data-folder\.ts: src\/renderer may import src\/shared, src\/renderer only/,
    );
    expect(result.output).toMatch(/hub\/hub\.ts imports "@shared\/ids": only src\/renderer may use @shared\//);
    // The page's own use of the alias is fine.
    expect(result.output).not.toMatch(/store\.ts imports "@shared/);
  });
});
