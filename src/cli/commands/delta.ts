/** `tandem delta SIG NEW DELTA`: the delta turning the signature's file into NEW. */
import { readFile } from 'node:fs/promises';
import { NodeFileSource } from '../../adapters/node/NodeFileSource.ts';
import { computeDelta, decodeSignature } from '../../core/content/rsync/index.ts';
import { writeAtomically } from '../atomicFile.ts';

export async function deltaCommand([sigPath, newPath, deltaPath]: readonly string[]): Promise<void> {
  const signature = decodeSignature(new Uint8Array(await readFile(sigPath as string)));
  const next = await NodeFileSource.open(newPath as string);
  try {
    await writeAtomically(deltaPath as string, (write) => computeDelta(signature, next, write));
  } finally {
    await next.close();
  }
}
