/** Index exchange with a connected peer: hello, delta index runs, set reconciliation on first contact, live updates. */
export {
  IndexExchange,
  type IndexExchangeOptions,
  type IndexStore,
  type SharedFolder,
} from './indexExchange.ts';
export { exchangeMode, reconcileRole, type ExchangeMode, type Role } from './reconcileSession.ts';
export { recordKey, recordKeyInput, recordKeys, keyHex, KEY_BYTES, type KeyedRecord } from './recordKey.ts';
