/** Shared by the server tests: a real server on 127.0.0.1:0 and a raw `ws` client with bounded waits. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket, { type ClientOptions } from 'ws';
import { startServer, type RunningServer, type StartOptions } from '../../../src/server/server.ts';

/** Rejects with `what` when `promise` has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface Started {
  readonly server: RunningServer;
  readonly port: number;
  readonly dist: string;
  stop(): Promise<void>;
}

/** A server on a free loopback port, serving a throwaway dist with one index.html. */
export async function startTestServer(options: Partial<StartOptions> = {}): Promise<Started> {
  const dist = await mkdtemp(join(tmpdir(), 'tandem-dist-'));
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>Tandem</title>');
  const server = await startServer({ host: '127.0.0.1', port: 0, dist, ...options });
  return {
    server,
    port: server.port,
    dist,
    stop: async () => {
      await within(server.close(), 10_000, 'the server to close');
      await rm(dist, { recursive: true, force: true });
    },
  };
}

export type Frame = Record<string, unknown> & { type: string };

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** A raw protocol client: frames queue up until a test takes them, one at a time. */
export class RawClient {
  readonly socket: WebSocket;
  readonly closed: Promise<Closed>;
  readonly opened: Promise<void>;
  readonly #frames: Frame[] = [];
  readonly #waiting: ((frame: Frame) => void)[] = [];

  constructor(url: string, options: ClientOptions = {}) {
    this.socket = new WebSocket(url, options);
    let failure = '';
    // ws reports a refused upgrade ("Unexpected server response: 404") or connect here; the close follows.
    this.socket.on('error', (error) => (failure ||= error.message));
    this.closed = new Promise((resolve) =>
      this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      void this.closed.then(({ code }) => reject(new Error(failure || `closed (${code}) before it opened`)));
    });
    this.opened.catch(() => undefined);
    this.socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      const waiter = this.#waiting.shift();
      if (waiter) waiter(frame);
      else this.#frames.push(frame);
    });
  }

  static join(port: number, room: string, options: ClientOptions = {}): RawClient {
    return new RawClient(`ws://127.0.0.1:${port}/signal?room=${encodeURIComponent(room)}`, options);
  }

  /** The next frame from the server. */
  next(ms = 5_000): Promise<Frame> {
    const queued = this.#frames.shift();
    if (queued) return Promise.resolve(queued);
    return within(new Promise<Frame>((resolve) => this.#waiting.push(resolve)), ms, 'a frame');
  }

  /** The next frame, checked to be of `type`. */
  async expect(type: string, ms = 5_000): Promise<Frame> {
    const frame = await this.next(ms);
    if (frame.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(frame)}`);
    return frame;
  }

  /** Frames received and not yet taken. */
  get pending(): readonly Frame[] {
    return this.#frames;
  }

  send(value: unknown): void {
    this.socket.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  waitClosed(ms = 5_000): Promise<Closed> {
    return within(this.closed, ms, 'the connection to close');
  }

  close(): void {
    this.socket.close();
  }
}

/** A room name of the right shape, distinct per `label`. */
export const roomName = (label: string | number): string => `room-${String(label).padStart(12, '0')}`;

/** Joins `count` clients to `room` one after another, each seen `joined`, and returns their ids. */
export async function joinAll(
  port: number,
  room: string,
  count: number,
): Promise<{ clients: RawClient[]; ids: string[] }> {
  const clients: RawClient[] = [];
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const client = RawClient.join(port, room);
    const joined = await client.expect('joined');
    expectPeers(joined, ids);
    for (const earlier of clients) {
      const seen = await earlier.expect('peer-joined');
      if (seen.id !== joined.you)
        throw new Error(`peer-joined ${String(seen.id)}, expected ${String(joined.you)}`);
    }
    clients.push(client);
    ids.push(joined.you as string);
  }
  return { clients, ids };
}

function expectPeers(joined: Frame, ids: readonly string[]): void {
  const peers = joined.peers as string[];
  if (JSON.stringify(peers) !== JSON.stringify(ids))
    throw new Error(`peers ${JSON.stringify(peers)}, expected ${JSON.stringify(ids)}`);
}
