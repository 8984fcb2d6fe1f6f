/** The access-handle worker: in-place OPFS file writes for HandleVolume's partials. */
import * as Comlink from 'comlink';
import { accessHandleService } from '../src/adapters/volume/accessHandleService.ts';

Comlink.expose(accessHandleService);
