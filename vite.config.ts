import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

export default defineConfig({
  plugins: [preact()],
  // Module workers, so a worker can import ES modules (comlink, hash-wasm) like the page.
  worker: { format: 'es' },
  build: { outDir: 'dist', target: 'es2022' },
  preview: { host: 'localhost' },
});
