/**
 * `npm run bench`: the content engine's throughput next to its raw kernels, the worker
 * pool's scaling, delta bytes next to rsync's, and the WebRTC transport next to a raw data
 * channel — each measured in the same run. Prints tables and writes the same figures to
 * test/bench/results/bench.json.
 *
 * Options (environment): BENCH_MIB=256 sizes the throughput inputs; BENCH_DELTA_MIB=256
 * sizes the delta base file; BENCH_SYNC_MIB=1024 and BENCH_SYNC_FILES=20000 size the engine
 * sync; BENCH_TRANSPORT_MIB=64 sizes each WebRTC transport run;
 * BENCH_SKIP=browser,delta,reconcile,sync,transport skips sections.
 */
import { benchContentBrowser } from './contentBrowser.ts';
import { benchContentNode } from './contentNode.ts';
import { benchDelta } from './delta.ts';
import { benchReconcile } from './reconcile.ts';
import { benchSync } from './syncSim.ts';
import { benchTransportBrowser } from './transportBrowser.ts';
import { printTable, writeJson, type Table } from './report.ts';

const mib = (name: string, fallback: number) => Number(process.env[name] ?? fallback) * 1024 * 1024;
const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
const results: Record<string, unknown> = { date: new Date().toISOString() };
const show = (tables: Table[]) => tables.forEach(printTable);

const node = await benchContentNode(mib('BENCH_MIB', 256));
show([node.table]);
results.node = node.figures;

if (!skip.has('browser')) {
  const browser = await benchContentBrowser(mib('BENCH_MIB', 256));
  show(browser.tables);
  results.browser = browser.figures;
}

if (!skip.has('delta')) {
  const delta = await benchDelta(mib('BENCH_DELTA_MIB', 256));
  show(delta.tables);
  results.delta = delta.figures;
}

if (!skip.has('reconcile')) {
  const reconcile = await benchReconcile();
  show(reconcile.tables);
  results.reconcile = reconcile.figures;
}

if (!skip.has('sync')) {
  const sync = await benchSync(mib('BENCH_SYNC_MIB', 1024), Number(process.env.BENCH_SYNC_FILES ?? 20_000));
  show(sync.tables);
  results.sync = sync.figures;
}

if (!skip.has('transport')) {
  const transport = await benchTransportBrowser(mib('BENCH_TRANSPORT_MIB', 64));
  show(transport.tables);
  results.transport = transport.figures;
}

console.log(`\nfigures written to ${writeJson('bench', results)}`);
