import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  logLevel: 'warn',
  worker: { format: 'es' },
  build: { outDir: fileURLToPath(new URL('../../../.tmp/bench-dist', import.meta.url)), emptyOutDir: true },
});
