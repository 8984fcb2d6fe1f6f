/**
 * `npm run bench`: the content engine's throughput next to its raw kernels, the worker
 * pool's scaling, delta bytes next to rsync's, and the WebRTC transport next to a raw data
 * channel — each measured in the same run. Prints tables and writes the same figures to
 * test/bench/results/bench.json.
 *
 * Options (environment): BENCH_MIB=256 sizes the throughput inputs; BENCH_DELTA_MIB=256
 * sizes the delta base file; BENCH_SYNC_MIB=1024 and BENCH_SYNC_FILES=20000 size the engine
 * sync; BENCH_TRANSPORT_MIB=64 sizes each WebRTC transport run; BENCH_APP_MIB=1024,
 * BENCH_APP_FILES=20000 and BENCH_APP_RUNS=3 size the app's end-to-end runs (BENCH_APP_PROFILE=1
 * adds CPU profiles of both pages' main threads during the first syncs);
 * BENCH_SKIP=browser,delta,reconcile,sync,transport,app skips sections.
 * Parts named as arguments run alone (`npm run bench -- app`, or `npm run bench:app`), and
 * their figures go to results/<parts>.json instead.
 */
import { benchApp } from './app/index.ts';
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

const PARTS = ['node', 'browser', 'delta', 'reconcile', 'sync', 'transport', 'app'];
const chosen = process.argv.slice(2);
const unknown = chosen.filter((part) => !PARTS.includes(part));
if (unknown.length > 0) {
  console.error(`unknown bench part ${unknown.join(', ')}; the parts are ${PARTS.join(', ')}`);
  process.exit(2);
}
const wanted = (part: string) => (chosen.length > 0 ? chosen.includes(part) : !skip.has(part));

/** A whole number from the environment in [min, max], or a clear error. */
function count(name: string, fallback: number, min: number, max: number): number {
  const text = process.env[name];
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not ${text}`);
  return value;
}

// Read before any part runs, so a bad value fails at once rather than after an hour.
const appOptions = wanted('app')
  ? {
      largeBytes: count('BENCH_APP_MIB', 1024, 4, 16_384) * 1024 * 1024,
      smallFiles: count('BENCH_APP_FILES', 20_000, 1, 200_000),
      runs: count('BENCH_APP_RUNS', 3, 1, 10),
      profile: process.env.BENCH_APP_PROFILE === '1',
    }
  : undefined;

if (wanted('node')) {
  const node = await benchContentNode(mib('BENCH_MIB', 256));
  show([node.table]);
  results.node = node.figures;
}

if (wanted('browser')) {
  const browser = await benchContentBrowser(mib('BENCH_MIB', 256));
  show(browser.tables);
  results.browser = browser.figures;
}

if (wanted('delta')) {
  const delta = await benchDelta(mib('BENCH_DELTA_MIB', 256));
  show(delta.tables);
  results.delta = delta.figures;
}

if (wanted('reconcile')) {
  const reconcile = await benchReconcile();
  show(reconcile.tables);
  results.reconcile = reconcile.figures;
}

if (wanted('sync')) {
  const sync = await benchSync(mib('BENCH_SYNC_MIB', 1024), Number(process.env.BENCH_SYNC_FILES ?? 20_000));
  show(sync.tables);
  results.sync = sync.figures;
}

if (wanted('transport')) {
  const transport = await benchTransportBrowser(mib('BENCH_TRANSPORT_MIB', 64));
  show(transport.tables);
  results.transport = transport.figures;
}

if (appOptions) {
  const app = await benchApp(appOptions);
  show(app.tables);
  results.app = app.figures;
}

const name = chosen.length > 0 ? chosen.join('-') : 'bench';
console.log(`\nfigures written to ${writeJson(name, results)}`);
