import { MemoryStore, MemoryStoreBacking } from '../../../src/adapters/store/MemoryStore.ts';
import { describeStoreContract } from '../../contracts/store.ts';

describeStoreContract('MemoryStore', () => {
  const backing = new MemoryStoreBacking();
  return {
    open: () => new MemoryStore(backing),
    closeFromOutside: () => backing.closeFromOutside('a test closed the backing'),
  };
});
