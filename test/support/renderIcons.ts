/**
 * Renders the PNG icons the web app manifest and iOS need from the SVGs in public/, with
 * the system Chromium. Run after changing an SVG, then commit the PNGs:
 * `node bin/run-ts.js test/support/renderIcons.ts`
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_FLAGS, chromiumPath } from './chromium.ts';

const PUBLIC = fileURLToPath(new URL('../../public/', import.meta.url));

interface Icon {
  readonly svg: string;
  readonly png: string;
  readonly size: number;
}

/** The rounded icon for "any" purpose; the full-bleed one for maskable and Apple's home screen. */
const ICONS: readonly Icon[] = [
  { svg: 'icon.svg', png: 'icon-192.png', size: 192 },
  { svg: 'icon.svg', png: 'icon-512.png', size: 512 },
  { svg: 'icon-maskable.svg', png: 'icon-maskable-512.png', size: 512 },
  { svg: 'icon-maskable.svg', png: 'apple-touch-icon.png', size: 180 },
];

const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_FLAGS });
try {
  const page = await browser.newPage();
  for (const icon of ICONS) {
    const svg = await readFile(PUBLIC + icon.svg, 'utf8');
    await page.setViewportSize({ width: icon.size, height: icon.size });
    // A data URL image sized to the viewport: the SVG scales as vectors, not as pixels.
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    await page.setContent(
      `<style>html,body{margin:0;background:transparent}img{display:block}</style>` +
        `<img src="${src}" width="${icon.size}" height="${icon.size}">`,
    );
    await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
    const png = await page.screenshot({
      omitBackground: true,
      clip: { x: 0, y: 0, width: icon.size, height: icon.size },
    });
    await writeFile(PUBLIC + icon.png, png);
    console.log(`${icon.png}: ${icon.size}×${icon.size}, ${png.length} bytes`);
  }
} finally {
  await browser.close();
}
