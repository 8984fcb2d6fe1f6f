/** `tandem patch OLD DELTA OUT`: OLD with the delta applied, written whole or not at all. */
import { NodeFileSource } from '../../adapters/node/NodeFileSource.ts';
import { applyPatch } from '../../core/content/rsync/index.ts';
import { writeAtomically } from '../atomicFile.ts';

export async function patchCommand([oldPath, deltaPath, outPath]: readonly string[]): Promise<void> {
  const old = await NodeFileSource.open(oldPath as string);
  try {
    const delta = await NodeFileSource.open(deltaPath as string);
    try {
      await writeAtomically(outPath as string, (write) => applyPatch(old, delta, write));
    } finally {
      await delta.close();
    }
  } finally {
    await old.close();
  }
}
