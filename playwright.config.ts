import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

/** The system Chromium: tests never download a browser (STACK.md). */
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  throw new Error(
    `Chromium not found at ${chromium}. Install the Debian package \`chromium\` ` +
      '(apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary.',
  );
}

const PORT = 4173;

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/artifacts',
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    headless: true,
    launchOptions: {
      executablePath: chromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  // Serves the dist/ that `npm run test:e2e` has just built.
  webServer: {
    command: `npx vite preview --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 30_000,
  },
});
