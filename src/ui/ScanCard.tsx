/**
 * "Scan": the camera, read for a pairing QR code a few times a second (qrScanner.ts), with
 * a field to paste the link instead. Hands the first pairing link it finds to `onLink`.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { qrDetector } from './qrScanner.ts';

const SCAN_EVERY_MS = 250;

export function ScanCard({ onLink, onClose }: { onLink: (link: string) => void; onClose: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState<string | undefined>();
  const [pasted, setPasted] = useState('');

  useEffect(() => {
    let stopped = false;
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const scan = async () => {
      const element = video.current;
      if (stopped || !element) return;
      try {
        if (element.readyState >= 2) {
          const found = await (await qrDetector()).detect(element);
          const link = found.map((code) => code.rawValue).find((text) => text.includes('#pair='));
          if (link && !stopped) return onLink(link);
        }
      } catch (error) {
        setProblem(`The QR code reader failed: ${(error as Error).message}`);
        return;
      }
      timer = setTimeout(scan, SCAN_EVERY_MS);
    };
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      .then(async (media) => {
        stream = media;
        if (stopped || !video.current) return;
        video.current.srcObject = media;
        await video.current.play();
        void scan();
      })
      .catch((error: Error) =>
        setProblem(`The camera is not available (${error.message}). Paste the link instead.`),
      );
    return () => {
      stopped = true;
      clearTimeout(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, [onLink]);

  return (
    <section class="card scan" data-testid="scan">
      <h3>Scan a pairing code</h3>
      <video
        ref={video}
        class="camera"
        muted
        playsInline
        aria-label="Camera view: point it at the pairing code on the other device"
        data-testid="scan-video"
      />
      {problem && (
        <p class="error" role="alert" data-testid="scan-error">
          {problem}
        </p>
      )}
      <form
        class="link-row"
        onSubmit={(event) => {
          event.preventDefault();
          onLink(pasted);
        }}
      >
        <input
          value={pasted}
          placeholder="…or paste the pairing link"
          aria-label="Pairing link"
          data-testid="paste-link"
          onInput={(event) => setPasted(event.currentTarget.value)}
        />
        <button type="submit" data-testid="paste-join">
          Pair
        </button>
      </form>
      <button type="button" onClick={onClose}>
        Cancel
      </button>
    </section>
  );
}
