/** The wire protocol: message types, their MessagePack codec, and validation of everything received. */
export { decodeMessage, encodeMessage } from './codec.ts';
export { ERROR_CODES, errorCodeFrom, ProtocolError, type ErrorCode } from './errors.ts';
export * from './messages.ts';
