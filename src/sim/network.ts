/**
 * The simulated network: one link per pair of devices, each carrying a memory transport
 * pair while the link is up and both devices are alive. Messages move only when the
 * simulation steps a link (one message per step, the link and direction chosen by the
 * seeded Random), or, on a slow link, after its latency on the virtual clock. A link that
 * breaks (a cut, a crash, an engine closing the connection) is re-made after
 * `reconnectMs`, as the net layer reconnects with backoff.
 */
import { createMemoryPair, type MemoryPair, type Side } from '../adapters/transport/MemoryTransport.ts';
import type { ManualClock } from '../adapters/clock/ManualClock.ts';
import { LIMITS } from '../core/protocol/messages.ts';
import type { CancelTimer } from '../ports/Clock.ts';
import type { Random } from '../ports/Random.ts';
import type { Transport } from '../ports/Transport.ts';

/** Bytes and messages one device sent, over every connection so far. */
export interface TrafficStats {
  bytesSent: number;
  messages: number;
}

export interface NetworkHooks {
  /** Whether the device is running (a crashed device makes no connections). */
  alive(device: string): boolean;
  /** Hands each device its end of a new connection. */
  connected(a: string, b: string, ends: { readonly a: Transport; readonly b: Transport }): void;
}

interface Link {
  readonly a: string;
  readonly b: string;
  /** The link should carry a connection (connect/disconnect, partitions). */
  up: boolean;
  pair: MemoryPair | undefined;
  reconnect: CancelTimer | undefined;
  latencyMs: number;
  /** Cut the connection after this many more deliveries (a fault at a chosen message). */
  cutAfter: number | undefined;
}

export class SimNetwork {
  readonly #links = new Map<string, Link>();
  readonly #traffic = new Map<string, TrafficStats>();

  constructor(
    private readonly clock: ManualClock,
    private readonly random: Random,
    private readonly hooks: NetworkHooks,
    private readonly reconnectMs: number,
  ) {}

  /** Brings the link up; connects now if both devices run. */
  connect(a: string, b: string): void {
    const link = this.#link(a, b);
    link.up = true;
    this.#open(link);
  }

  /** Takes the link down until `connect`: the connection closes as a network loss. */
  disconnect(a: string, b: string): void {
    const link = this.#link(a, b);
    link.up = false;
    link.reconnect?.();
    link.reconnect = undefined;
    link.pair?.link.cut('the network went away');
  }

  /** Breaks the current connection; it is re-made after `reconnectMs`. */
  cut(a: string, b: string): void {
    this.#link(a, b).pair?.link.cut('the connection was lost');
  }

  /** Breaks the connection after `messages` more deliveries on it. */
  cutAfter(a: string, b: string, messages: number): void {
    this.#link(a, b).cutAfter = messages;
  }

  /** Messages on this link take `ms` of virtual time (applies from the next connection). */
  setLatency(a: string, b: string, ms: number): void {
    this.#link(a, b).latencyMs = ms;
  }

  /** A device stopped: its connections break (no reconnection until it runs again). */
  deviceDown(device: string): void {
    for (const link of this.#links.values()) {
      if (link.a === device || link.b === device) link.pair?.link.cut('the device crashed');
    }
  }

  /** A device runs again: its links that are up reconnect. */
  deviceUp(device: string): void {
    for (const link of this.#links.values()) {
      if (link.a === device || link.b === device) this.#open(link);
    }
  }

  /** Delivers one message on a link chosen at random; false when none is waiting. */
  step(): boolean {
    const ready = [...this.#links.values()].filter((l) => l.pair && l.pair.link.pending() > 0);
    if (ready.length === 0) return false;
    const link = ready[this.random.int(ready.length)]!;
    const pair = link.pair!;
    const sides = (['a', 'b'] as Side[]).filter((s) => pair.link.pending(s) > 0);
    pair.link.step(sides[this.random.int(sides.length)]);
    if (link.cutAfter !== undefined && --link.cutAfter <= 0) {
      link.cutAfter = undefined;
      pair.link.cut('the connection was cut');
    }
    return true;
  }

  /** No message waits and no connection is about to be made. */
  get quiet(): boolean {
    return [...this.#links.values()].every(
      (l) => l.reconnect === undefined && !(l.pair && l.pair.link.pending() > 0),
    );
  }

  /** Whether `a` and `b` have an open connection now. */
  isConnected(a: string, b: string): boolean {
    const pair = this.#link(a, b).pair;
    return pair !== undefined && pair.a.closed === undefined && pair.b.closed === undefined;
  }

  traffic(device: string): TrafficStats {
    let stats = this.#traffic.get(device);
    if (!stats) {
      stats = { bytesSent: 0, messages: 0 };
      this.#traffic.set(device, stats);
    }
    return stats;
  }

  #link(a: string, b: string): Link {
    const [x, y] = a < b ? [a, b] : [b, a];
    const key = `${x}\u0000${y}`;
    let link = this.#links.get(key);
    if (!link) {
      link = {
        a: x,
        b: y,
        up: false,
        pair: undefined,
        reconnect: undefined,
        latencyMs: 0,
        cutAfter: undefined,
      };
      this.#links.set(key, link);
    }
    return link;
  }

  #open(link: Link): void {
    if (!link.up || link.pair || link.reconnect) return;
    if (!this.hooks.alive(link.a) || !this.hooks.alive(link.b)) return;
    const pair = createMemoryPair({
      maxMessageSize: LIMITS.messageBytes,
      highWaterMark: 4 * LIMITS.messageBytes,
      ...(link.latencyMs > 0
        ? { latency: { clock: this.clock, ms: link.latencyMs } }
        : { delivery: 'manual' }),
    });
    link.pair = pair;
    pair.a.onClose(() => {
      if (link.pair !== pair) return;
      link.pair = undefined;
      this.#scheduleReconnect(link);
    });
    this.hooks.connected(link.a, link.b, {
      a: this.#counting(pair.a, link.a),
      b: this.#counting(pair.b, link.b),
    });
  }

  #scheduleReconnect(link: Link): void {
    if (!link.up || link.reconnect) return;
    link.reconnect = this.clock.setTimer(this.reconnectMs, () => {
      link.reconnect = undefined;
      this.#open(link);
    });
  }

  /** `transport`, counting what `device` sends through it. */
  #counting(transport: Transport, device: string): Transport {
    const stats = this.traffic(device);
    return {
      get maxMessageSize() {
        return transport.maxMessageSize;
      },
      get closed() {
        return transport.closed;
      },
      send: (message) => {
        stats.bytesSent += message.length;
        stats.messages++;
        return transport.send(message);
      },
      onMessage: (listener) => transport.onMessage(listener),
      onClose: (listener) => transport.onClose(listener),
      close: (message) => transport.close(message),
    };
  }
}
