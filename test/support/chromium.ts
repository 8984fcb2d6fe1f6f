/** The system Chromium and the flags it runs headless with here (tests never download one). */
import { existsSync } from 'node:fs';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `Chromium not found at ${path}. Install the Debian package \`chromium\` ` +
        '(apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary.',
    );
  }
  return path;
}
