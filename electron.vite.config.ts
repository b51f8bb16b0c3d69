// electron-vite build of the desktop app: main (starts the hub), preload (the page's small native API) and the
// renderer (the dashboard, which the hub also serves at `/` for any browser).
import { defineConfig } from 'electron-vite';
import { cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import dashboard from './vite.config';

export default defineConfig({
  main: {
    build: {
      rollupOptions: { input: { index: 'src/main/index.ts' } },
      externalizeDeps: true,
    },
    // The bench engine in the main bundle compiles the native runner from ./native/spec-runner.cpp beside it
    // (src/bench/native-runner.ts), as the CLI bundle does from out/cli/native.
    plugins: [
      {
        name: 'native-runner-source',
        writeBundle(options) {
          cpSync(resolve('src/bench/native'), join(options.dir ?? resolve('out/main'), 'native'), { recursive: true });
        },
      },
    ],
  },
  preload: {
    build: {
      // A sandboxed preload must be CommonJS.
      rollupOptions: {
        input: { index: 'src/preload/index.ts' },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    ...dashboard,
    // The dashboard's own `@shared` alias: the app's renderer resolves the contract as `npm run build:web` does.
    resolve: dashboard.resolve,
    build: { ...dashboard.build, rollupOptions: { input: { index: resolve('src/renderer/index.html') } } },
  },
});
