/**
 * Random runs of a whole cluster: operations (edits by people, faults, partial progress)
 * as fast-check arbitraries, and `play`, which carries them out and returns what the
 * History finds wrong once every fault is healed and the cluster settled.
 */
import fc from 'fast-check';
import { createCluster } from '../../../src/sim/index.ts';
import { History } from './history.ts';

/**
 * Paths people edit. None differs from another only by case, and none is a file where
 * another needs a directory: those are left out of sync on purpose (reported, never
 * overwritten) and have scenario tests of their own.
 */
const PATHS = ['a.txt', 'b.txt', 'dir/c.txt', 'dir/d.md', 'dir/sub/e', 'f.txt'];

export type Op =
  | { kind: 'write'; device: number; path: number; large: boolean }
  | { kind: 'remove'; device: number; path: number }
  | { kind: 'rename'; device: number; from: number; to: number }
  | { kind: 'run'; steps: number }
  | { kind: 'settle' }
  | { kind: 'cut'; a: number; b: number }
  | { kind: 'cutAfter'; a: number; b: number; messages: number }
  | { kind: 'partition'; mask: number }
  | { kind: 'heal' }
  | { kind: 'crash'; device: number }
  | { kind: 'restart'; device: number };

const device = fc.nat(4);
const path = fc.nat(PATHS.length - 1);
export const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('write'), device, path, large: fc.nat(9).map((n) => n === 0) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove'), device, path }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('rename'), device, from: path, to: path }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('run'), steps: fc.integer({ min: 1, max: 60 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('settle') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut'), a: device, b: device }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('cutAfter'),
      a: device,
      b: device,
      messages: fc.integer({ min: 1, max: 30 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('partition'), mask: fc.nat(31) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('heal') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash'), device }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart'), device }) },
);

/** Unique bytes for write number `n`: small text, or ~300 KB (several chunks). */
function content(n: number, name: string, large: boolean): Uint8Array {
  const head = new TextEncoder().encode(`${name} wrote #${n}\n`);
  if (!large) return head;
  const bytes = new Uint8Array(300_000);
  bytes.set(head);
  let x = (n + 1) * 0x9e3779b1;
  for (let i = head.length; i < bytes.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** Plays `ops` on a fresh cluster of `count` devices; `trace` prints each step and the events. */
export async function play(
  count: number,
  seed: number,
  ops: readonly Op[],
  trace = false,
): Promise<string[]> {
  const names = ['a', 'b', 'c', 'd', 'e'].slice(0, count);
  const c = await createCluster({ devices: names, seed });
  await c.share('docs', names);
  await c.settle();
  const history = new History(c, 'docs');
  const pick = (i: number) => names[i % count]!;
  let writes = 0;
  for (const o of ops) {
    if (trace) console.log(JSON.stringify(o), c.clock.now());
    switch (o.kind) {
      case 'write':
        await history.write(pick(o.device), PATHS[o.path]!, content(writes++, pick(o.device), o.large));
        break;
      case 'remove':
        await history.remove(pick(o.device), PATHS[o.path]!);
        break;
      case 'rename':
        await history.rename(pick(o.device), PATHS[o.from]!, PATHS[o.to]!);
        break;
      case 'run':
        await c.run(o.steps);
        break;
      case 'settle':
        await c.settle();
        break;
      case 'cut':
        if (pick(o.a) !== pick(o.b)) c.cut(pick(o.a), pick(o.b));
        break;
      case 'cutAfter':
        if (pick(o.a) !== pick(o.b)) c.cutAfter(pick(o.a), pick(o.b), o.messages);
        break;
      case 'partition':
        c.partition(
          names.filter((_, i) => (o.mask >> i) & 1),
          names.filter((_, i) => !((o.mask >> i) & 1)),
        );
        break;
      case 'heal':
        c.heal();
        break;
      case 'crash':
        await c.crash(pick(o.device));
        break;
      case 'restart':
        await c.restart(pick(o.device));
        break;
    }
  }
  c.heal();
  for (const name of names) await c.restart(name);
  await c.settle();
  if (trace) {
    for (const name of names) {
      const events = c.events(name).filter((e) => e.type !== 'progress' && e.type !== 'folder');
      console.log(name, [...c.snapshot(name, 'docs')].map(([p, h]) => `${p}:${h.slice(0, 6)}`).join(' '));
      for (const e of events) console.log('  ', JSON.stringify({ ...e, folder: undefined }));
    }
  }
  const leftovers = [];
  for (const name of names) {
    for (const path of await c.partials(name, 'docs'))
      leftovers.push(`${name} kept a temporary file for ${path}`);
  }
  return [...history.check(names), ...leftovers];
}
