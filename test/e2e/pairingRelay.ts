/**
 * The relay as the pairing tests see it: each page's signaling WebSocket (ws://localhost/
 * signal, inside the browser's network namespace) is carried by Playwright's WebSocket
 * routing to a real `startServer` relay on the host's 127.0.0.1. A test may play a
 * malicious relay by rewriting what reaches a page (`toPage`) or by choosing the room.
 */
import type { WebSocketRoute } from 'playwright-core';
import WebSocket from 'ws';

export interface RelayTamper {
  /** Rewrites a server frame before the page sees it. */
  readonly toPage?: (frame: string) => string;
  /** Rewrites the room a page asks to join. */
  readonly room?: (room: string) => string;
}

export function bridgeToRelay(route: WebSocketRoute, port: number, tamper: RelayTamper = {}): void {
  const url = new URL(route.url());
  const room = url.searchParams.get('room') ?? '';
  if (tamper.room) url.searchParams.set('room', tamper.room(room));
  const upstream = new WebSocket(`ws://127.0.0.1:${port}${url.pathname}${url.search}`);
  const queued: string[] = [];
  upstream.on('open', () => queued.splice(0).forEach((frame) => upstream.send(frame)));
  upstream.on('error', () => undefined); // the close that follows is what counts
  route.onMessage((message) => {
    const frame = typeof message === 'string' ? message : message.toString('utf8');
    if (upstream.readyState === WebSocket.OPEN) upstream.send(frame);
    else queued.push(frame);
  });
  upstream.on('message', (data) => {
    const frame = data.toString();
    route.send(tamper.toPage ? tamper.toPage(frame) : frame);
  });
  upstream.on('close', (code, reason) => {
    const usable = code === 1000 || (code >= 3000 && code <= 4999);
    void route.close({ code: usable ? code : 1000, reason: reason.toString() }).catch(() => undefined);
  });
  route.onClose((code, reason) => {
    const usable = code === 1000 || (code !== undefined && code >= 3000 && code <= 4999);
    upstream.close(usable ? code : 1000, reason);
  });
}

/** A relay frame with every SDP fingerprint replaced by the attacker's own. */
export function swapFingerprints(frame: string): string {
  const message = JSON.parse(frame) as { type?: string; data?: string };
  if (message.type !== 'message' || typeof message.data !== 'string') return frame;
  const relayed = JSON.parse(message.data) as { signal?: { sdp?: string } };
  if (typeof relayed.signal?.sdp !== 'string') return frame;
  const fake = Array.from({ length: 32 }, (_, i) => ((i * 37 + 11) & 0xff).toString(16).padStart(2, '0'))
    .join(':')
    .toUpperCase();
  relayed.signal.sdp = relayed.signal.sdp.replace(
    /a=fingerprint:sha-256 [0-9A-Fa-f:]+/g,
    `a=fingerprint:sha-256 ${fake}`,
  );
  return JSON.stringify({ ...message, data: JSON.stringify(relayed) });
}
