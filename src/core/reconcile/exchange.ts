/** A whole reconciliation in memory, for tests and benchmarks: remote streams, local decodes. */
import { RatelessDecoder, type Difference } from './decoder.ts';
import { RatelessEncoder } from './encoder.ts';
import { ReconcileIncompleteError } from './errors.ts';
import { decodeSymbols, encodeSymbols } from './format.ts';

export interface ReconcileResult extends Difference {
  /** Symbols sent, whole batches. */
  readonly symbols: number;
  /** Symbols the decoder needed (≤ symbols; the rest is the last batch's overshoot). */
  readonly symbolsUsed: number;
  /** Encoded batches sent. */
  readonly messages: number;
  /** Bytes of all batches sent (the receiver's 'stop' is left out: a few bytes). */
  readonly bytes: number;
}

/**
 * Streams `batch` symbols per message from a remote encoder over `remoteItems` through
 * the wire format into a local decoder over `localItems`, until it is done. Gives up with
 * ReconcileIncompleteError past `maxSymbols` (default: 3 × both sets + 1,024, more than
 * any honest difference needs).
 */
export function reconcile(
  localItems: Iterable<Uint8Array>,
  remoteItems: Iterable<Uint8Array>,
  batch = 32,
  maxSymbols?: number,
): ReconcileResult {
  const remote = new RatelessEncoder(remoteItems);
  const local = new RatelessEncoder(localItems);
  const limit = maxSymbols ?? 3 * (remote.size + local.size) + 1024;
  const decoder = new RatelessDecoder(local);
  let symbols = 0;
  let messages = 0;
  let bytes = 0;
  while (!decoder.done) {
    if (symbols >= limit) throw new ReconcileIncompleteError(symbols);
    const wire = encodeSymbols(remote.nextSymbols(batch), remote.position - batch);
    const received = decodeSymbols(wire);
    decoder.addRemoteSymbols(received.symbols, received.firstIndex);
    symbols += batch;
    messages++;
    bytes += wire.length;
  }
  return { ...decoder.result(), symbols, symbolsUsed: decoder.symbolsUsed, messages, bytes };
}
