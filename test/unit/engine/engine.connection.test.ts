/**
 * What one engine does with what arrives on a connection: anything malformed, oversized
 * or claiming another device closes that connection with a reason, and touches nothing
 * on disk or in the index.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/ManualClock.ts';
import { MemoryStore } from '../../../src/adapters/store/MemoryStore.ts';
import { createMemoryPair } from '../../../src/adapters/transport/MemoryTransport.ts';
import { MemoryVolume } from '../../../src/adapters/volume/MemoryVolume.ts';
import { digestSource } from '../../../src/core/content/chunk.ts';
import { SyncEngine } from '../../../src/core/engine/engine.ts';
import { encodeMessage } from '../../../src/core/protocol/codec.ts';
import { LIMITS, PROTOCOL_VERSION } from '../../../src/core/protocol/messages.ts';
import { syncSha256 } from '../../../src/sim/index.ts';

const PEER = 'PEERPEERPEERPEERPEERPEERPEERPEERPEERPEERPEERPEERPEER';
const FOLDER = '0123456789abcdef0123456789abcdef';

async function setup() {
  const clock = new ManualClock();
  const volume = new MemoryVolume({ clock, marker: true });
  await volume.writeAtomically(
    'keep.txt',
    (async function* () {
      yield new TextEncoder().encode('precious');
    })(),
  );
  const store = new MemoryStore();
  let ids = 0;
  const engine = new SyncEngine({
    device: 'SELFSELFSELFSELFSELFSELFSELFSELFSELFSELFSELFSELFSELF',
    name: 'self',
    store,
    clock,
    hashFile: (source) => digestSource(source, { sha256: syncSha256 }),
    newIndexId: () => (ids++).toString(16).padStart(16, '0'),
    sha256: syncSha256,
  });
  engine.addFolder({ id: FOLDER, label: 'docs', volume, devices: [PEER] });
  const pair = createMemoryPair({ maxMessageSize: 2 * LIMITS.messageBytes });
  engine.connect(PEER, pair.a);
  const settle = async () => {
    for (let i = 0; i < 50; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      clock.advance(1000);
    }
  };
  await settle();
  return { engine, volume, store, pair, settle };
}

async function expectUntouched(volume: MemoryVolume, store: MemoryStore) {
  expect([...volume.files().keys()]).toEqual(['keep.txt']);
  const records = [];
  for await (const r of store.localSince(FOLDER, 0)) records.push(r.path);
  expect(records).toEqual(['keep.txt']);
}

describe('an engine refusing what a peer sends', () => {
  it('closes the connection on bytes that are not a message', async () => {
    const { volume, store, pair, settle } = await setup();
    await pair.b.send(new Uint8Array([0xc1, 0xff, 0x00]));
    await settle();
    expect(pair.b.closed?.message).toMatch(/malformed/);
    await expectUntouched(volume, store);
  });

  it('closes the connection on a message over the size cap', async () => {
    const { volume, store, pair, settle } = await setup();
    await pair.b.send(new Uint8Array(LIMITS.messageBytes + 1));
    await settle();
    expect(pair.b.closed?.message).toMatch(/too-large/);
    await expectUntouched(volume, store);
  });

  it('closes the connection when the hello names another device', async () => {
    const { volume, store, pair, settle } = await setup();
    await pair.b.send(
      encodeMessage({
        kind: 'hello',
        protocol: PROTOCOL_VERSION,
        device: 'OTHEROTHEROTHEROTHEROTHEROTHEROTHEROTHEROTHEROTHER22',
        name: 'impostor',
        folders: [],
      }),
    );
    await settle();
    expect(pair.b.closed?.message).toMatch(/expected/);
    await expectUntouched(volume, store);
  });

  it('refuses an index record with a path that escapes the folder', async () => {
    const { volume, store, pair, settle } = await setup();
    await pair.b.send(
      encodeMessage({
        kind: 'hello',
        protocol: PROTOCOL_VERSION,
        device: PEER,
        name: 'peer',
        folders: [
          {
            id: FOLDER,
            label: 'docs',
            indexId: '00000000000000aa',
            maxSequence: 1,
            receivedSequence: 0,
            receivedIndexId: '',
          },
        ],
      }),
    );
    await settle();
    expect(pair.b.closed).toBeUndefined();
    const bad = encodeMessage({
      kind: 'index',
      folder: FOLDER,
      indexId: '00000000000000aa',
      last: true,
      records: [
        {
          path: 'placeholder',
          size: 0,
          mtime: 0,
          hash: new Uint8Array(0),
          chunks: [],
          version: { PEER: 1 },
          deleted: true,
          sequence: 1,
          modifiedBy: 'PEER',
        },
      ],
    });
    // Swap the path on the wire: the encoder would refuse nothing, the decoder must.
    const text = new TextDecoder('latin1').decode(bad).replace('placeholder', '../../etc/x');
    const bytes = Uint8Array.from(text, (ch) => ch.charCodeAt(0));
    await pair.b.send(bytes);
    await settle();
    expect(pair.b.closed?.message).toMatch(/path/);
    await expectUntouched(volume, store);
  });
});
