/**
 * Sequence → path for a memory store's local records, and "the first record after
 * sequence n" in O(log n): what `localSince` asks for every time a peer is sent what
 * changed. A walk of the whole map from the start made each such call cost the folder's
 * size, and a folder of many small files quadratic.
 */
export class SequenceIndex {
  readonly #paths = new Map<number, string>();
  /** Every sequence set, ascending (sequences only grow); dead ones are pruned in bulk. */
  #order: number[] = [];

  get size(): number {
    return this.#paths.size;
  }

  get(sequence: number): string | undefined {
    return this.#paths.get(sequence);
  }

  /** Sets `sequence`, which must be above every sequence set before. */
  set(sequence: number, path: string): void {
    const last = this.#order.at(-1);
    if (last !== undefined && sequence <= last)
      throw new RangeError(`sequence ${sequence} is not above ${last}`);
    this.#paths.set(sequence, path);
    this.#order.push(sequence);
  }

  delete(sequence: number): void {
    this.#paths.delete(sequence);
    // A fresh array, so a walk holding the old one by value loses nothing.
    if (this.#order.length > 64 && this.#order.length > 2 * this.#paths.size) {
      this.#order = this.#order.filter((s) => this.#paths.has(s));
    }
  }

  clear(): void {
    this.#paths.clear();
    this.#order = [];
  }

  /** The smallest sequence above `after` that is still set, if any. */
  firstAfter(after: number): number | undefined {
    const order = this.#order;
    let low = 0;
    let high = order.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (order[mid]! <= after) low = mid + 1;
      else high = mid;
    }
    for (let i = low; i < order.length; i++) if (this.#paths.has(order[i]!)) return order[i];
    return undefined;
  }
}
