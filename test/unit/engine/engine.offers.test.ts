/**
 * A folder one device shares is offered to the other, which accepts it into a folder of
 * its own (DESIGN.md, "What a user sees" 4): the offer is an event and `offers()`, and
 * accepting is `addFolder` with the offered ID.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { MemoryStore } from '../../../src/adapters/store/MemoryStore.ts';
import { createMemoryPair } from '../../../src/adapters/transport/MemoryTransport.ts';
import { MemoryVolume } from '../../../src/adapters/volume/MemoryVolume.ts';
import { digestSource } from '../../../src/core/content/chunk.ts';
import { SyncEngine } from '../../../src/core/engine/engine.ts';
import type { EngineEvent } from '../../../src/core/engine/events.ts';
import { LIMITS } from '../../../src/core/protocol/messages.ts';
import { syncSha256 } from '../../../src/sim/index.ts';

const A = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const B = 'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
const FOLDER = '0123456789abcdef0123456789abcdef';

function engine(device: string, clock: ManualClock, events: EngineEvent[]): SyncEngine {
  let ids = 0;
  const e = new SyncEngine({
    device,
    name: device.slice(0, 1),
    store: new MemoryStore(),
    clock,
    hashFile: (source) => digestSource(source, { sha256: syncSha256 }),
    newIndexId: () => `${device.slice(0, 1).toLowerCase()}${(ids++).toString(16).padStart(15, '0')}`,
    sha256: syncSha256,
  });
  e.on((event) => events.push(event));
  return e;
}

function link(a: SyncEngine, b: SyncEngine): void {
  const pair = createMemoryPair({ maxMessageSize: LIMITS.messageBytes });
  a.connect(B, pair.a);
  b.connect(A, pair.b);
}

async function settle(clock: ManualClock): Promise<void> {
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(500);
  }
}

describe('folder offers', () => {
  it('a shared folder is offered to the peer, which accepts it into its own folder and syncs', async () => {
    const clock = new ManualClock();
    const atA: EngineEvent[] = [];
    const atB: EngineEvent[] = [];
    const a = engine(A, clock, atA);
    const b = engine(B, clock, atB);
    const source = new MemoryVolume({ clock, marker: true });
    await source.writeAtomically(
      'hello.txt',
      (async function* () {
        yield new TextEncoder().encode('from A');
      })(),
    );
    a.addFolder({ id: FOLDER, label: 'Photos', volume: source, devices: [B] });
    link(a, b);
    await settle(clock);

    expect(b.offers()).toEqual([{ peer: A, folders: [{ id: FOLDER, label: 'Photos' }] }]);
    expect(atB.filter((e) => e.type === 'folders-offered').at(-1)).toEqual({
      type: 'folders-offered',
      peer: A,
      folders: [{ id: FOLDER, label: 'Photos' }],
    });
    expect(a.offers()).toEqual([]);

    // B accepts into an empty folder of its own; sharing anew closes the connection so
    // the next hello says so, and the app reconnects.
    const target = new MemoryVolume({ clock, marker: true });
    b.addFolder({ id: FOLDER, label: 'Photos from A', volume: target, devices: [A] });
    expect(b.offers().flatMap((o) => o.folders)).toEqual([]);
    await settle(clock);
    link(a, b);
    await settle(clock);
    expect(new TextDecoder().decode(target.files().get('hello.txt'))).toBe('from A');
  });

  it('nothing is offered that the peer does not share with this device', async () => {
    const clock = new ManualClock();
    const atA: EngineEvent[] = [];
    const atB: EngineEvent[] = [];
    const a = engine(A, clock, atA);
    const b = engine(B, clock, atB);
    a.addFolder({
      id: FOLDER,
      label: 'Private',
      volume: new MemoryVolume({ clock, marker: true }),
      devices: [],
    });
    link(a, b);
    await settle(clock);
    expect(b.offers()).toEqual([]);
    expect(atB.some((e) => e.type === 'folders-offered')).toBe(false);
  });
});
