/**
 * Multi-round refinement (flow and bytes in refineFormat.ts): an in-process shuttle
 * between the two state machines, for tests and benchmarks.
 */
import type { ByteSource } from '../byteSource.ts';
import { RefineReceiver } from './refineReceiver.ts';
import { RefineSender, type RefineSenderOptions } from './refineSender.ts';

export interface RefinementResult {
  /** Sum messages the receiver sent (coarse + each SUBSIGS). */
  readonly rounds: number;
  readonly bytesReceiverToSender: number;
  readonly bytesSenderToReceiver: number;
  readonly delta: Uint8Array;
}

export interface RefinementOptions extends RefineSenderOptions {
  /** Round 0 block size as a multiple of blockSizeFor. Default 16. */
  readonly coarseFactor?: number;
}

/** Runs both state machines in one process and counts the bytes each way. */
export async function runRefinement(
  old: ByteSource,
  next: ByteSource,
  options: RefinementOptions = {},
): Promise<RefinementResult> {
  const receiver = new RefineReceiver(old, options.coarseFactor);
  const sender = new RefineSender(next, options);
  let toSender = await receiver.start();
  let rounds = 1;
  let bytesReceiverToSender = toSender.length;
  let bytesSenderToReceiver = 0;
  for (;;) {
    const reply = await sender.receive(toSender);
    const toReceiver = reply.kind === 'send' ? reply.message : reply.delta;
    bytesSenderToReceiver += toReceiver.length;
    const step = await receiver.receive(toReceiver);
    if (step.kind === 'done')
      return { rounds, bytesReceiverToSender, bytesSenderToReceiver, delta: step.delta };
    toSender = step.message;
    rounds++;
    bytesReceiverToSender += toSender.length;
  }
}
