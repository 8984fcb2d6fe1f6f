/** The content worker: serves core/content's chunking and hashing over Comlink. */
import * as Comlink from 'comlink';
import { contentWorkerService } from '../src/adapters/content/contentWorkerService.ts';

Comlink.expose(contentWorkerService);
