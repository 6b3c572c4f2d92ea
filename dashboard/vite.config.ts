/** Builds the dashboard page the daemons serve (`npm run build:dashboard` → dashboard/dist). */
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One small script and one stylesheet: nothing to split.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
