import { describe, expect, it } from 'vitest';
import { createCluster } from '../../../src/sim/index.ts';

const text = (s: string) => new TextEncoder().encode(s);

describe('simulation smoke', () => {
  it('a file written on one device arrives on the others', async () => {
    const c = await createCluster({ devices: ['a', 'b', 'c'], seed: 1 });
    await c.share('docs', ['a', 'b', 'c']);
    await c.write('a', 'docs', 'x/y.txt', text('hello'));
    await c.settle();
    expect(new TextDecoder().decode((await c.read('b', 'docs', 'x/y.txt'))!)).toBe('hello');
    expect(c.snapshot('c', 'docs')).toEqual(c.snapshot('a', 'docs'));
    await c.rename('a', 'docs', 'x/y.txt', 'z.txt');
    await c.settle();
    expect(await c.read('b', 'docs', 'x/y.txt')).toBeNull();
    expect(c.snapshot('b', 'docs')).toEqual(c.snapshot('a', 'docs'));
    console.log(
      c.stats(),
      c.events('b').filter((e) => e.type !== 'progress' && e.type !== 'folder'),
    );
  });
});
