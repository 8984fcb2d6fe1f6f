/**
 * Vitest in a real browser: the system Chromium, headless, through Playwright (nothing is
 * downloaded). For adapters over browser APIs (OPFS, File System Access); `vitest run`
 * with the default config runs the Node unit tests and never these.
 */
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_FLAGS, chromiumPath } from './test/support/chromium.ts';

export default defineConfig({
  // Pre-bundled up front: found mid-run, Vite would reload the page under a running test.
  optimizeDeps: { include: ['client-zip', 'ignore'] },
  test: {
    include: ['test/browser/**/*.browser.test.ts'],
    testTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: 'reports/browser.json' }]],
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({ launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_FLAGS } }),
      instances: [{ browser: 'chromium' }],
      screenshotFailures: false,
    },
  },
});
