/**
 * The bytes a page receives over WebRTC, to tell a resumed download from a new one.
 */
import type { BrowserContext, Page } from 'playwright-core';

/**
 * Counts the bytes every page of `context` receives over its WebRTC data channels (the
 * channels' message events, in `window.__tandemReceived`), whichever code opened them:
 * how much a page fetched from its peers since it loaded. Call before the page opens.
 */
export async function countReceivedBytes(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const counter = window as unknown as { __tandemReceived: number };
    counter.__tandemReceived = 0;
    const watch = (channel: RTCDataChannel): void => {
      channel.addEventListener('message', (event: MessageEvent<unknown>) => {
        const data = event.data;
        counter.__tandemReceived +=
          data instanceof ArrayBuffer
            ? data.byteLength
            : data instanceof Blob
              ? data.size
              : typeof data === 'string'
                ? data.length
                : 0;
      });
    };
    const Native = window.RTCPeerConnection;
    const create = Native.prototype.createDataChannel;
    Native.prototype.createDataChannel = function (this: RTCPeerConnection, ...args) {
      const channel = create.apply(this, args);
      watch(channel);
      return channel;
    };
    window.RTCPeerConnection = new Proxy(Native, {
      construct(target, args: ConstructorParameters<typeof RTCPeerConnection>, newTarget) {
        const pc = Reflect.construct(target, args, newTarget) as RTCPeerConnection;
        pc.addEventListener('datachannel', (event) => watch(event.channel));
        return pc;
      },
    });
  });
}

/** What `countReceivedBytes` has counted in `page` since it loaded. */
export async function receivedBytes(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __tandemReceived?: number }).__tandemReceived ?? -1);
}
