/** `tandem signature OLD SIG`: the signature of OLD, written whole or not at all. */
import { NodeFileSource } from '../../adapters/node/NodeFileSource.ts';
import { computeSignature, encodeSignature } from '../../core/content/rsync/index.ts';
import { writeAtomically } from '../atomicFile.ts';

export async function signatureCommand([oldPath, sigPath]: readonly string[]): Promise<void> {
  const old = await NodeFileSource.open(oldPath as string);
  try {
    const signature = encodeSignature(await computeSignature(old));
    await writeAtomically(sigPath as string, (write) => write(signature));
  } finally {
    await old.close();
  }
}
