/**
 * Readers for decoded message fields: each returns a value of exactly the expected type
 * and range, or throws a `malformed` ProtocolError naming the field. The decoder builds
 * fresh objects from these, so nothing a peer sent reaches the engine unchecked.
 */
import { ProtocolError } from './errors.ts';

export type Fields = Readonly<Record<string, unknown>>;

const fail = (field: string, message: string): never => {
  throw new ProtocolError('malformed', message, field);
};

export function object(value: unknown, field: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    return fail(field, 'expected a map');
  }
  return value as Fields;
}

export function string(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string') return fail(field, 'expected a string');
  if (value.length > maxLength) return fail(field, `longer than ${maxLength} characters`);
  return value;
}

export function integer(value: unknown, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return fail(field, 'expected an integer');
  if (value < min || value > max) return fail(field, `outside ${min}…${max}`);
  return value;
}

export function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') return fail(field, 'expected true or false');
  return value;
}

/** Bytes of a length within [min, max]; a copy, so the message buffer can be reused. */
export function bytes(value: unknown, field: string, min: number, max: number): Uint8Array {
  if (!(value instanceof Uint8Array)) return fail(field, 'expected bytes');
  if (value.length < min || value.length > max)
    return fail(field, `length ${value.length} outside ${min}…${max}`);
  // A plain Uint8Array (msgpackr gives Node Buffers). Small fields are copied so a kept
  // hash does not pin the whole message; large ones (chunk data) are views, which is safe
  // because a received message belongs to its receiver, and saves a copy per chunk.
  return value.length <= VIEW_THRESHOLD
    ? new Uint8Array(value)
    : new Uint8Array(value.buffer, value.byteOffset, value.length);
}

const VIEW_THRESHOLD = 4096;

export function array(value: unknown, field: string, maxLength: number): readonly unknown[] {
  if (!Array.isArray(value)) return fail(field, 'expected a list');
  if (value.length > maxLength) return fail(field, `more than ${maxLength} entries`);
  return value;
}

/** A lowercase hex ID of exactly `length` characters (folder and index IDs). */
export function hexId(value: unknown, field: string, length: number): string {
  const text = string(value, field, length);
  if (text.length !== length || !/^[0-9a-f]+$/.test(text))
    return fail(field, `expected ${length} lowercase hex digits`);
  return text;
}

/** A device ID: base32 (RFC 4648, upper case, no padding), as DESIGN.md derives it. */
export function deviceId(value: unknown, field: string): string {
  const text = string(value, field, 64);
  if (!/^[A-Z2-7]+$/.test(text)) return fail(field, 'expected a base32 device ID');
  return text;
}
