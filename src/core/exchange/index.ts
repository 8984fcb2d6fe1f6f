/** Index exchange with a connected peer: hello, delta index runs, live updates. */
export {
  IndexExchange,
  type IndexExchangeOptions,
  type IndexStore,
  type SharedFolder,
} from './indexExchange.ts';
