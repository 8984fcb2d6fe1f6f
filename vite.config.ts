import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { VitePWA } from 'vite-plugin-pwa';

/** Colours of src/ui/styles.css (--accent, --bg): the install splash and title bar match the page. */
const THEME = '#1f6f5c';
const BACKGROUND = '#f6f7f5';

export default defineConfig({
  plugins: [
    preact(),
    VitePWA({
      // src/pwa.ts registers the worker and asks before swapping versions (a new build waits).
      injectRegister: false,
      registerType: 'prompt',
      strategies: 'generateSW',
      // The glob below already lists every icon; listing them again would repeat precache entries.
      includeManifestIcons: false,
      manifest: {
        name: 'Tandem',
        short_name: 'Tandem',
        description: 'Keep folders in sync between your own devices, peer to peer.',
        id: '/',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: THEME,
        background_color: BACKGROUND,
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
        ],
      },
      workbox: {
        // The whole shell, zxing's wasm included: scanning a QR code works offline too.
        globPatterns: ['**/*.{js,css,html,svg,png,wasm,webmanifest}'],
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        navigateFallback: 'index.html',
        // The relay's WebSocket path is the server's, never the app's (a plain GET there must reach it).
        navigateFallbackDenylist: [/^\/signal(?:[/?#]|$)/],
        // First visit: control the page at once so it works offline without a reload. Updates
        // still wait (no skipWaiting) until the page asks, so old and new never mix.
        clientsClaim: true,
        skipWaiting: false,
        cleanupOutdatedCaches: true,
        // No runtime caching: other origins and the network API are left alone.
        runtimeCaching: [],
      },
    }),
  ],
  // Module workers, so a worker can import ES modules (comlink, hash-wasm) like the page.
  worker: { format: 'es' },
  build: { outDir: 'dist', target: 'es2022' },
  preview: { host: 'localhost' },
});
