/** rsync-style deltas: signature of OLD, delta from NEW, patch OLD into NEW; and multi-round refinement. */
export { blockSizeFor, strongLengthFor, strongLengthForBlocks } from './params.ts';
export { computeSignature, type SignatureOptions } from './signature.ts';
export { encodeSignature, decodeSignature, type Signature, type DeltaHeader } from './format.ts';
export { computeDelta } from './delta.ts';
export { applyPatch } from './patch.ts';
export {
  RsyncFormatError,
  SignatureFormatError,
  DeltaFormatError,
  RefineFormatError,
  BaseMismatchError,
  ResultMismatchError,
} from './errors.ts';
export { RefineReceiver } from './refineReceiver.ts';
export { RefineSender, type RefineSenderOptions } from './refineSender.ts';
export { runRefinement, type RefinementResult, type RefinementOptions } from './refine.ts';
export { coarseBlockSizeFor, type RefineStep } from './refineGeometry.ts';
export { encodeRefineMessage, decodeRefineMessage, type RefineMessage } from './refineFormat.ts';
export { loadXXHash128 } from './xxhash.ts';
