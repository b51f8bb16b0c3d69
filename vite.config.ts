// The dashboard's build (src/renderer -> out/renderer): used by electron-vite for the app and by `npm run build:web` alone.
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  root: resolve(import.meta.dirname, 'src/renderer'),
  // Relative asset URLs: the same files work served by the hub and loaded from disk.
  base: './',
  plugins: [react()],
  // The renderer imports the contract as `@shared/...` (tsconfig.web.json's paths say the same to the type checker).
  resolve: { alias: { '@shared': resolve(import.meta.dirname, 'src/shared') } },
  build: {
    outDir: resolve(import.meta.dirname, 'out/renderer'),
    emptyOutDir: true,
    minify: true,
    // One script and one stylesheet: the strict CSP allows 'self' only, and the page loads in one round trip.
    chunkSizeWarningLimit: 2000,
  },
});
