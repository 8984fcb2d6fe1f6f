/**
 * A set of items, each walking its own index sequence (mapping.ts), kept in a min-heap by
 * the next index it goes into, so producing symbol j touches only the items mapped to j
 * (about n/(1 + j/2) of them) and never rescans the set. Items live in flat typed arrays
 * (struct of arrays); removal swaps the last slot into the hole.
 */
import { checkItem, checksumInto, readWords, seedInto, writeWords } from './item.ts';
import { nextIndex } from './mapping.ts';

/** Words per symbol in the flat symbol arrays: 4 of item XOR-sum, then 2 of checksum XOR. */
export const SYMBOL_WORDS = 6;

/** The lookup key of an item: its 16 bytes as 8 UTF-16 code units. */
function keyOf(item: Uint8Array): string {
  let key = '';
  for (let i = 0; i < 16; i += 2) key += String.fromCharCode(item[i]! | (item[i + 1]! << 8));
  return key;
}

export class MappedSet {
  private capacity = 0;
  /** Per slot: item (4 words) then checksum (2 words): the slot's contribution to a symbol. */
  private items = new Uint32Array(0);
  private seeds = new Uint32Array(0);
  private states = new Uint32Array(0);
  private next = new Float64Array(0);
  /** heap[k] is a slot; pos[slot] is its place in heap. */
  private heap = new Int32Array(0);
  private pos = new Int32Array(0);
  private readonly slots = new Map<string, number>();
  private count = 0;
  /** True while every item's next index is 0: no collect since the last rewind. */
  private fresh = true;

  get size(): number {
    return this.count;
  }

  has(item: Uint8Array): boolean {
    checkItem(item);
    return this.slots.has(keyOf(item));
  }

  /**
   * Adds `item` as if it had been in the set since symbol 0, with the stream now at symbol
   * `position`: `past` is called with each index below `position` the item maps to, in
   * increasing order. False (and nothing changes) if the item is already in the set.
   */
  add(item: Uint8Array, position = 0, past?: (index: number) => void): boolean {
    checkItem(item);
    const key = keyOf(item);
    if (this.slots.has(key)) return false;
    if (this.count === this.capacity) this.grow();
    const slot = this.count++;
    this.slots.set(key, slot);
    readWords(item, 0, this.items, slot * 6, 4);
    checksumInto(this.items, slot * 6, this.items, slot * 6 + 4);
    seedInto(this.items, slot * 6, this.seeds, slot * 4);
    this.states.set(this.seeds.subarray(slot * 4, slot * 4 + 4), slot * 4);
    let index = 0;
    if (position > 0) this.fresh = false;
    while (index < position) {
      past?.(index);
      index = nextIndex(this.states, slot * 4, index);
    }
    this.next[slot] = index;
    this.heap[slot] = slot;
    this.pos[slot] = slot;
    this.siftUp(slot);
    return true;
  }

  /** Removes `item`; false if it was not in the set. */
  remove(item: Uint8Array): boolean {
    checkItem(item);
    const key = keyOf(item);
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    this.slots.delete(key);
    const last = --this.count;
    const k = this.pos[slot]!;
    if (k !== last) {
      const moved = this.heap[last]!;
      this.heap[k] = moved;
      this.pos[moved] = k;
      this.siftDown(k);
      this.siftUp(k);
    }
    if (slot !== last) this.moveSlot(last, slot);
    return true;
  }

  /** Restarts every item's sequence at index 0. */
  rewind(): void {
    for (let slot = 0; slot < this.count; slot++) {
      this.next[slot] = 0;
      this.heap[slot] = slot;
      this.pos[slot] = slot;
    }
    this.states.set(this.seeds.subarray(0, this.count * 4));
    this.fresh = true;
  }

  /**
   * XORs every item mapped to symbol `index` into `out[at, at + 6)` (sum, then checksum),
   * advances those items past it, and returns how many there were. Calls must come in
   * increasing index order, without skipping an index any item maps to.
   */
  collect(index: number, out: Uint32Array, at: number): number {
    if (this.fresh && index === 0) return this.collectAll(out, at);
    this.fresh = false;
    let n = 0;
    const items = this.items;
    while (this.count > 0) {
      const slot = this.heap[0]!;
      if (this.next[slot] !== index) break;
      const from = slot * 6;
      for (let w = 0; w < 6; w++) out[at + w]! ^= items[from + w]!;
      this.next[slot] = nextIndex(this.states, slot * 4, index);
      this.siftDown(0);
      n++;
    }
    return n;
  }

  /** Symbol 0 of a fresh stream holds every item: one linear pass, then an O(n) heapify. */
  private collectAll(out: Uint32Array, at: number): number {
    this.fresh = false;
    const { items, next, states } = this;
    for (let slot = 0; slot < this.count; slot++) {
      const from = slot * 6;
      for (let w = 0; w < 6; w++) out[at + w]! ^= items[from + w]!;
      next[slot] = nextIndex(states, slot * 4, 0);
    }
    for (let k = (this.count >> 1) - 1; k >= 0; k--) this.siftDown(k);
    return this.count;
  }

  /** Every item in the set, as fresh byte arrays. */
  toArray(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let slot = 0; slot < this.count; slot++) {
      const item = new Uint8Array(16);
      writeWords(this.items, slot * 6, 4, item, 0);
      out.push(item);
    }
    return out;
  }

  private grow(): void {
    const cap = Math.max(16, this.capacity * 2);
    const grownU32 = (a: Uint32Array, per: number) => {
      const b = new Uint32Array(cap * per);
      b.set(a);
      return b;
    };
    this.items = grownU32(this.items, 6);
    this.seeds = grownU32(this.seeds, 4);
    this.states = grownU32(this.states, 4);
    const next = new Float64Array(cap);
    next.set(this.next);
    this.next = next;
    const heap = new Int32Array(cap);
    heap.set(this.heap);
    this.heap = heap;
    const pos = new Int32Array(cap);
    pos.set(this.pos);
    this.pos = pos;
    this.capacity = cap;
  }

  /** Moves slot `from` (live) into the free slot `to`. */
  private moveSlot(from: number, to: number): void {
    this.items.copyWithin(to * 6, from * 6, from * 6 + 6);
    this.seeds.copyWithin(to * 4, from * 4, from * 4 + 4);
    this.states.copyWithin(to * 4, from * 4, from * 4 + 4);
    this.next[to] = this.next[from]!;
    const k = this.pos[from]!;
    this.heap[k] = to;
    this.pos[to] = k;
    const item = new Uint8Array(16);
    writeWords(this.items, to * 6, 4, item, 0);
    this.slots.set(keyOf(item), to);
  }

  private siftUp(k: number): void {
    const { heap, pos, next } = this;
    const slot = heap[k]!;
    const key = next[slot]!;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      const p = heap[parent]!;
      if (next[p]! <= key) break;
      heap[k] = p;
      pos[p] = k;
      k = parent;
    }
    heap[k] = slot;
    pos[slot] = k;
  }

  private siftDown(k: number): void {
    const { heap, pos, next } = this;
    const n = this.count;
    const slot = heap[k]!;
    const key = next[slot]!;
    for (;;) {
      let child = 2 * k + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && next[heap[right]!]! < next[heap[child]!]!) child = right;
      const c = heap[child]!;
      if (next[c]! >= key) break;
      heap[k] = c;
      pos[c] = k;
      k = child;
    }
    heap[k] = slot;
    pos[slot] = k;
  }
}
