/**
 * Random IDs as the protocol carries them: lowercase hex of a fixed length (codec.ts
 * checks the same lengths on everything received). Chance comes from the Random port, so
 * a seeded run makes the same IDs every time.
 */
import { toHex } from '../content/bytes.ts';
import type { Random } from '../../ports/Random.ts';
import type { FolderId, IndexId } from '../../ports/Store.ts';

/** Hex digits of an index ID: 64 random bits. */
export const INDEX_ID_DIGITS = 16;

/** Hex digits of a folder ID: 128 random bits (DESIGN.md, "Data model"). */
export const FOLDER_ID_DIGITS = 32;

/** `digits` lowercase hex digits (an even number) of fresh randomness. */
export function randomHex(random: Random, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0 || digits % 2 !== 0)
    throw new RangeError(`a random hex ID has an even number of digits, not ${digits}`);
  return toHex(random.bytes(digits / 2));
}

/** A new generation of this device's index of a folder (first share, or index lost). */
export function newIndexId(random: Random): IndexId {
  return randomHex(random, INDEX_ID_DIGITS);
}

/** A new folder's ID, made when a folder is first shared. */
export function newFolderId(random: Random): FolderId {
  return randomHex(random, FOLDER_ID_DIGITS);
}
