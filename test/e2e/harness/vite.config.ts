/**
 * Builds the e2e harness pages (not part of the app: the app's dist/ never ships them).
 * Specs build and preview it themselves, as test/bench/contentBrowser.ts does.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../../.tmp/e2e-harness-dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        idbStore: fileURLToPath(new URL('./idbStore.html', import.meta.url)),
        webrtc: fileURLToPath(new URL('./webrtc.html', import.meta.url)),
      },
    },
  },
});
