/**
 * Two devices on two threads (device.worker.ts), joined by a MessageChannel: the sync
 * benchmark as two machines would run it, each engine with a core of its own. Times
 * connect → the receiver has every file and is idle, then checks both hold the same.
 * `BENCH_PROF=DIR` writes each device's CPU profile there (`--cpu-prof`).
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { deviceIdFromDigest } from '../../../src/core/model/device.ts';
import type { Command, DeviceSetup, Report, Workload } from './device.worker.ts';

const WORKER = new URL('./device.worker.ts', import.meta.url);
const RUN_TS = new URL('../../../bin/run-ts.js', import.meta.url);
const FOLDER = '0123456789abcdef0123456789abcdef';
/** Bounds every wait: a bench that hangs says so instead. */
const LIMIT_MS = 10 * 60_000;

export interface ThreadedSync {
  readonly files: number;
  readonly bytes: number;
  readonly ms: number;
  /** CPU time of the whole process (both devices, their threads and GC) while it ran. */
  readonly cpuMs: number;
}

export async function syncOnTwoThreads(workload: Workload): Promise<ThreadedSync> {
  // A device that fails fails the run, whichever device the run is waiting on.
  let crash: (error: Error) => void = () => {};
  const crashed = new Promise<never>((_, reject) => (crash = reject));
  crashed.catch(() => undefined);
  const [sender, receiver] = ['src', 'dst'].map((name, i, names) =>
    device({ name, device: idOf(name), peer: idOf(names[1 - i]!), folder: FOLDER }, crash, crashed),
  );
  try {
    const filled = await sender!.ask({ kind: 'fill', workload }, 'filled');
    await receiver!.ask({ kind: 'share', expect: filled.files }, 'shared');
    const { port1, port2 } = new MessageChannel();
    const start = performance.now();
    const cpu = process.cpuUsage();
    const done = receiver!.next('done');
    sender!.send({ kind: 'connect', port: port1 }, [port1]);
    receiver!.send({ kind: 'connect', port: port2 }, [port2]);
    await done;
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const [a, b] = await Promise.all([
      sender!.ask({ kind: 'snapshot' }, 'snapshot'),
      receiver!.ask({ kind: 'snapshot' }, 'snapshot'),
    ]);
    if (a.files.length !== filled.files || JSON.stringify(a.files) !== JSON.stringify(b.files)) {
      throw new Error(`the receiver does not hold the sender's ${filled.files} files`);
    }
    return { files: filled.files, bytes: filled.bytes, ms, cpuMs: (used.user + used.system) / 1000 };
  } finally {
    await Promise.all([sender!.stop(), receiver!.stop()]);
  }
}

function idOf(name: string): string {
  return deviceIdFromDigest(new Uint8Array(createHash('sha256').update(`tandem-bench:${name}`).digest()));
}

type ReportOf<K extends Report['kind']> = Extract<Report, { kind: K }>;

function device(setup: DeviceSetup, onFailure: (error: Error) => void, crashed: Promise<never>) {
  // The worker is TypeScript: it loads through tsx like the bench itself.
  const worker = new Worker(RUN_TS, {
    argv: [fileURLToPath(WORKER)],
    workerData: setup,
    execArgv: process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [],
  });
  const waiting = new Map<Report['kind'], (r: Report) => void>();
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure = error;
    onFailure(error);
    for (const resolve of waiting.values()) resolve({ kind: 'failed', message: error.message });
  };
  worker.on('message', (r: Report) => {
    if (r.kind === 'failed') fail(new Error(`${setup.name}: ${r.message}`));
    else waiting.get(r.kind)?.(r);
  });
  worker.on('error', (error) => fail(error));
  const next = <K extends Report['kind']>(kind: K): Promise<ReportOf<K>> =>
    Promise.race([crashed, reply(kind)]);
  const reply = <K extends Report['kind']>(kind: K): Promise<ReportOf<K>> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      const timer = setTimeout(
        () => reject(new Error(`${setup.name}: no "${kind}" in ${LIMIT_MS} ms`)),
        LIMIT_MS,
      );
      waiting.set(kind, (r) => {
        clearTimeout(timer);
        waiting.delete(kind);
        if (r.kind === 'failed') reject(failure ?? new Error(r.message));
        else resolve(r as ReportOf<K>);
      });
    });
  const send = (command: Command, transfer: Transferable[] = []) =>
    worker.postMessage(command, transfer as never[]);
  const stop = async () => {
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    send({ kind: 'quit' });
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  };
  return {
    stop,
    next,
    send,
    ask: <K extends Report['kind']>(command: Command, kind: K) => {
      const answer = next(kind);
      send(command);
      return answer;
    },
  };
}
