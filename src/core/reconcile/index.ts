/** Set reconciliation by rateless IBLT: two devices find which index records differ, at a cost that follows the difference, not the folder. */
export { RatelessEncoder } from './encoder.ts';
export { RatelessDecoder, type Difference } from './decoder.ts';
export type { CodedSymbol } from './symbol.ts';
export {
  encodeSymbols,
  decodeSymbols,
  FORMAT_VERSION,
  MAX_BATCH,
  MAX_COUNT,
  type SymbolBatch,
} from './format.ts';
export { reconcile, type ReconcileResult } from './exchange.ts';
export { ReconcileFormatError, ReconcileOrderError, ReconcileIncompleteError } from './errors.ts';
export { ITEM_BYTES, CHECKSUM_BYTES } from './item.ts';
export { MAX_INDEX } from './mapping.ts';
