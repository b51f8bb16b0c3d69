// electron-vite build of the desktop app: main (starts the hub), preload (the page's small native API) and the
// renderer (the dashboard, which the hub also serves at `/` for any browser).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

export default defineConfig({
  main: {
    build: {
      rollupOptions: { input: { index: 'src/main/index.ts' } },
      externalizeDeps: true,
    },
  },
  preload: {
    build: {
      rollupOptions: { input: { index: 'src/preload/index.ts' } },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [react()],
    build: {
      outDir: resolve('out/renderer'),
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
      // One script, one stylesheet: the strict CSP allows 'self' only, and the page stays quick to load.
      chunkSizeWarningLimit: 2000,
    },
  },
});
