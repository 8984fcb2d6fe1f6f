/**
 * xxhash128 hashers for the rsync code, handed out without waiting on the host.
 *
 * hash-wasm's `createXXHash128()` instantiates its wasm module on every call, which waits
 * for the host's event loop (one turn each, thousands for the first, which compiles the
 * module). Code that must advance on promises alone — the deterministic simulation, where
 * a step that waits on the host looks stuck — cannot afford that. So one instance is made,
 * once (`loadXXHash128`), and every hasher is a view of it that keeps its own state
 * (`save`/`load` around each call): cheap, since the rsync code updates a streaming hasher
 * once per read window and strong sums run start to finish without pausing.
 */
import { createXXHash128, type IHasher } from 'hash-wasm';

let loading: Promise<IHasher> | undefined;
let shared: IHasher | undefined;

/** Loads the wasm module (once); later calls resolve at once. */
export async function loadXXHash128(): Promise<void> {
  loading ??= createXXHash128().then((hasher) => (shared = hasher));
  await loading;
}

/** A fresh xxhash128 hasher; resolves on promises alone once `loadXXHash128` has. */
export async function newXXHash128(): Promise<IHasher> {
  if (!shared) await loadXXHash128();
  return stateful(shared!);
}

/** An IHasher whose state lives apart from `base`, swapped in for every call. */
function stateful(base: IHasher): IHasher {
  base.init();
  let state = base.save();
  const hasher: IHasher = {
    init() {
      base.init();
      state = base.save();
      return hasher;
    },
    update(data) {
      base.load(state);
      base.update(data);
      state = base.save();
      return hasher;
    },
    digest: ((outputType?: 'binary' | 'hex') => {
      base.load(state);
      return outputType === 'binary' ? base.digest('binary') : base.digest('hex');
    }) as IHasher['digest'],
    save: () => state.slice(),
    load(saved) {
      state = saved.slice();
      return hasher;
    },
    blockSize: base.blockSize,
    digestSize: base.digestSize,
  };
  return hasher;
}
