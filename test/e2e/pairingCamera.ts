/**
 * A fake camera for the scan test: a YUV4MPEG2 (.y4m) file showing a QR code, for
 * Chromium's `--use-file-for-fake-video-capture`. The QR grid comes from uqr; each module
 * is drawn as a square of pixels on a white border, in I420 (grey only: U = V = 128).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encode } from 'uqr';
import { appWorld, type AppWorld } from './appWorld.ts';

const SIZE = 480;
const FRAMES = 5;

export function qrY4m(text: string): Uint8Array {
  const { data } = encode(text, { border: 4 });
  const modules = data.length;
  const scale = Math.floor(SIZE / modules);
  const offset = Math.floor((SIZE - modules * scale) / 2);
  const luma = new Uint8Array(SIZE * SIZE).fill(235);
  for (let y = 0; y < modules * scale; y++) {
    for (let x = 0; x < modules * scale; x++) {
      if (data[Math.floor(y / scale)]![Math.floor(x / scale)]) luma[(y + offset) * SIZE + x + offset] = 16;
    }
  }
  const chroma = new Uint8Array((SIZE / 2) * (SIZE / 2)).fill(128);
  const header = new TextEncoder().encode(`YUV4MPEG2 W${SIZE} H${SIZE} F10:1 Ip A1:1 C420jpeg\n`);
  const frameHeader = new TextEncoder().encode('FRAME\n');
  const frameBytes = frameHeader.length + luma.length + 2 * chroma.length;
  const out = new Uint8Array(header.length + FRAMES * frameBytes);
  out.set(header, 0);
  let at = header.length;
  for (let i = 0; i < FRAMES; i++) {
    for (const part of [frameHeader, luma, chroma, chroma]) {
      out.set(part, at);
      at += part.length;
    }
  }
  return out;
}

export async function writeQrY4m(path: string, text: string): Promise<void> {
  await writeFile(path, qrY4m(text));
}

/**
 * The spec's `appWorld` (built into `.tmp/<dir>`) whose Chromium grants the camera without
 * asking and films `camera`, a .y4m first showing a QR code that is not a pairing link (a
 * test may rewrite it before a page opens the camera).
 */
export function appWorldWithCamera(dir: string, camera: string): AppWorld {
  return appWorld(
    dir,
    [
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${camera}`,
    ],
    async () => {
      await mkdir(dirname(camera), { recursive: true });
      await writeQrY4m(camera, 'not a pairing link');
    },
  );
}
