/**
 * Version vector operations (DESIGN.md, "Data model"): device short ID → counter.
 *
 * - A missing entry and an entry of 0 mean the same thing; results never hold zeros.
 * - `a` dominates `b` when every counter of `a` is ≥ the one in `b` and one is greater:
 *   the record with `a` replaces the one with `b`. Neither dominating and not equal is
 *   `concurrent`: a conflict, unless the contents are the same (conflictName.ts).
 * - On a local change a device sets its own counter to max(previous + 1, now in seconds),
 *   so counters stay meaningful after an index reset and grow by at least one.
 * - Results are new frozen plain objects with their keys in code-unit order; inputs are
 *   never changed. Keys are read as own properties only, so a device named `__proto__`
 *   or `constructor` is just a device.
 */

import type { DeviceShortId, VersionVector } from './fileRecord.ts';

export type VersionOrder = 'equal' | 'greater' | 'lesser' | 'concurrent';

/** Limits `isValidVersionVector` enforces on what peers send. */
export const VERSION_VECTOR_LIMITS = { maxEntries: 64, maxDeviceIdLength: 64 } as const;

/** How `a` relates to `b`: `greater` means `a` dominates `b`. */
export function compareVersions(a: VersionVector, b: VersionVector): VersionOrder {
  let aAhead = false;
  let bAhead = false;
  for (const device of deviceUnion(a, b)) {
    const x = counter(a, device);
    const y = counter(b, device);
    if (x > y) aAhead = true;
    else if (y > x) bAhead = true;
    if (aAhead && bAhead) return 'concurrent';
  }
  return aAhead ? 'greater' : bAhead ? 'lesser' : 'equal';
}

/** `a` strictly dominates `b`: at least as new everywhere and newer somewhere. */
export function dominates(a: VersionVector, b: VersionVector): boolean {
  return compareVersions(a, b) === 'greater';
}

/**
 * The version after a local change on `device` at `nowSeconds` (the Clock port's time;
 * fractions are dropped): the device's counter becomes max(previous + 1, nowSeconds).
 * Throws a RangeError for an empty device ID or a counter past `Number.MAX_SAFE_INTEGER`.
 */
export function bumpVersion(v: VersionVector, device: DeviceShortId, nowSeconds: number): VersionVector {
  if (device.length === 0) throw new RangeError('bumpVersion: empty device ID');
  const now = Number.isFinite(nowSeconds) ? Math.floor(nowSeconds) : 0;
  const next = Math.max(counter(v, device) + 1, now);
  if (!Number.isSafeInteger(next)) throw new RangeError(`bumpVersion: counter ${next} is not a safe integer`);
  return build(ownEntries(v).concat([[device, next]]));
}

/** Element-wise maximum: the smallest version that dominates or equals both. */
export function mergeVersions(a: VersionVector, b: VersionVector): VersionVector {
  return build(
    [...deviceUnion(a, b)].map((device) => [device, Math.max(counter(a, device), counter(b, device))]),
  );
}

/**
 * True when `x` is a version vector a peer may send: a plain object of at most 64
 * entries, each key 1–64 characters, each value a non-negative safe integer.
 */
export function isValidVersionVector(x: unknown): x is VersionVector {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto: unknown = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return false;
  if (Object.getOwnPropertySymbols(x).length > 0) return false;
  const keys = Object.getOwnPropertyNames(x);
  if (keys.length > VERSION_VECTOR_LIMITS.maxEntries) return false;
  return keys.every((key) => {
    const descriptor = Object.getOwnPropertyDescriptor(x, key);
    const value: unknown = descriptor?.value;
    return (
      descriptor !== undefined &&
      descriptor.enumerable === true &&
      key.length > 0 &&
      key.length <= VERSION_VECTOR_LIMITS.maxDeviceIdLength &&
      typeof value === 'number' &&
      Number.isSafeInteger(value) &&
      value >= 0
    );
  });
}

function counter(v: VersionVector, device: DeviceShortId): number {
  return Object.hasOwn(v, device) ? (v[device] ?? 0) : 0;
}

function ownEntries(v: VersionVector): [DeviceShortId, number][] {
  return Object.keys(v).map((device) => [device, counter(v, device)]);
}

function deviceUnion(a: VersionVector, b: VersionVector): Set<DeviceShortId> {
  return new Set([...Object.keys(a), ...Object.keys(b)]);
}

/** A frozen vector from entries (later entries win), zeros dropped, keys sorted. */
function build(entries: [DeviceShortId, number][]): VersionVector {
  const latest = new Map(entries);
  const kept = [...latest].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Object.fromEntries defines own properties, so a `__proto__` key stays a key.
  return Object.freeze(Object.fromEntries(kept));
}
