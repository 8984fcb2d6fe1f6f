/** What can go wrong reading or applying rsync data: a closed set, each with a clear message. */

/** Bytes that are not a valid signature, delta or refinement message. */
export class RsyncFormatError extends Error {
  constructor(
    readonly format: 'signature' | 'delta' | 'refine',
    detail: string,
  ) {
    super(`invalid ${format === 'refine' ? 'refinement message' : format}: ${detail}`);
    this.name = 'RsyncFormatError';
  }
}

export class SignatureFormatError extends RsyncFormatError {
  constructor(detail: string) {
    super('signature', detail);
    this.name = 'SignatureFormatError';
  }
}

export class DeltaFormatError extends RsyncFormatError {
  constructor(detail: string) {
    super('delta', detail);
    this.name = 'DeltaFormatError';
  }
}

export class RefineFormatError extends RsyncFormatError {
  constructor(detail: string) {
    super('refine', detail);
    this.name = 'RefineFormatError';
  }
}

/** The delta was computed against another file than the one it is being applied to. */
export class BaseMismatchError extends Error {
  constructor(readonly reason: 'size' | 'digest') {
    super('the delta was made for a different base file');
    this.name = 'BaseMismatchError';
  }
}

/** Patching finished but the output does not hash to the digest the delta promised. */
export class ResultMismatchError extends Error {
  constructor() {
    super('the patched result does not match the checksum recorded in the delta');
    this.name = 'ResultMismatchError';
  }
}
