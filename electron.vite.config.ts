// electron-vite build of the desktop shell: main (starts the hub) and preload; the dashboard comes later.
import { defineConfig } from 'electron-vite';

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
});
