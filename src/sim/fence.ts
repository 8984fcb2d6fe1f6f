/**
 * What a crash takes away. A device's engine sees its volume and clock through a fence;
 * `crash` closes the fence, and from then on nothing that incarnation started can touch
 * the volume or fire a timer, as when a page is killed: a write whose last chunk had not
 * been handed over is discarded (its temporary file goes), timers never fire, change
 * reports stop. The volume itself, and the store's backing, outlive the fence.
 */
import type { CancelTimer, Clock } from '../ports/Clock.ts';
import { VolumeUnavailableError, type Expectation, type PartialFile, type Volume } from '../ports/Volume.ts';

export class Fence {
  #down = false;

  get down(): boolean {
    return this.#down;
  }

  close(): void {
    this.#down = true;
  }

  check(): void {
    if (this.#down) throw new VolumeUnavailableError('gone', 'the device crashed');
  }
}

/** `clock` for one incarnation: timers armed through it die with the fence. */
export function fencedClock(clock: Clock, fence: Fence): Clock {
  return {
    now: () => clock.now(),
    setTimer: (ms, fire): CancelTimer => clock.setTimer(ms, () => fence.down || fire()),
  };
}

/**
 * `volume` for one incarnation: every call checks the fence first, a write's chunks too
 * (so a write cut by the crash never lands), and change reports stop at the crash.
 */
export function fencedVolume(volume: Volume, fence: Fence): Volume {
  return new Proxy(volume, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'watch') {
        return (onChange: Parameters<NonNullable<Volume['watch']>>[0]) =>
          target.watch?.((change) => fence.down || onChange(change));
      }
      if (property === 'writeAtomically') {
        return (path: string, chunks: AsyncIterable<Uint8Array>, ...rest: unknown[]) => {
          fence.check();
          return target.writeAtomically(path, fencedChunks(chunks, fence), ...(rest as [undefined]));
        };
      }
      if (property === 'openPartial') {
        return async (path: string, key: string) => {
          fence.check();
          return fencedPartial(await target.openPartial!(path, key), fence);
        };
      }
      if (property === 'partials') {
        return async function* () {
          fence.check();
          for await (const partial of target.partials!()) yield fencedPartial(partial, fence);
        };
      }
      if (property === 'list') {
        return async function* () {
          fence.check();
          for await (const entry of target.list()) {
            fence.check();
            yield entry;
          }
        };
      }
      return (...args: unknown[]) => {
        if (fence.down) {
          return Promise.reject(new VolumeUnavailableError('gone', 'the device crashed'));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** A partial download whose writes, commit and discard stop at the crash. */
function fencedPartial(partial: PartialFile, fence: Fence): PartialFile {
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      fence.check();
      return fn(...args);
    };
  return {
    path: partial.path,
    key: partial.key,
    size: guard(() => partial.size()),
    read: guard((offset: number, length: number) => partial.read(offset, length)),
    write: guard((offset: number, bytes: Uint8Array) => partial.write(offset, bytes)),
    commit: guard((expect?: Expectation) => partial.commit(expect)),
    discard: guard(() => partial.discard()),
  };
}

async function* fencedChunks(chunks: AsyncIterable<Uint8Array>, fence: Fence): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    fence.check();
    yield chunk;
  }
  fence.check();
}
