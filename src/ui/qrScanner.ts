/**
 * Reads QR codes from a video element: the browser's BarcodeDetector where it exists,
 * else the `barcode-detector` ponyfill, whose zxing wasm comes from our own bundle (the
 * `?url` import) — nothing is fetched from elsewhere at run time (STACK.md).
 */
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';

interface Detector {
  detect(source: HTMLVideoElement): Promise<readonly { readonly rawValue: string }[]>;
}

interface DetectorClass {
  new (options: { formats: string[] }): Detector;
  getSupportedFormats(): Promise<string[]>;
}

let made: Promise<Detector> | undefined;

async function makeDetector(): Promise<Detector> {
  const native = (globalThis as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  if (native && (await native.getSupportedFormats()).includes('qr_code')) {
    return new native({ formats: ['qr_code'] });
  }
  const { BarcodeDetector, prepareZXingModule } = await import('barcode-detector/ponyfill');
  prepareZXingModule({
    overrides: {
      locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasmUrl : prefix + path),
    },
  });
  return new BarcodeDetector({ formats: ['qr_code'] });
}

/** The QR detector, made once. */
export function qrDetector(): Promise<Detector> {
  made ??= makeDetector();
  made.catch(() => (made = undefined));
  return made;
}
