/**
 * Benchmark results: printed as tables for a person, written as JSON for tools. Every
 * speed is reported with its reference from the same run, as a ratio, because these
 * machines are shared and a lone MB/s figure says little.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ratio, type KernelSpeed } from './timing.ts';

export { mbps, ratio, timeRuns } from './timing.ts';

export type Cell = string | number | null;
export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: Cell[][];
  readonly notes?: readonly string[];
}

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

export function printTable(table: Table): void {
  const text = table.rows.map((row) => row.map(formatCell));
  const widths = table.columns.map((c, i) => Math.max(c.length, ...text.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${table.title}`);
  console.log(line(table.columns));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of text) console.log(line(row));
  for (const note of table.notes ?? []) console.log(`  ${note}`);
}

export function writeJson(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(path, JSON.stringify(data, null, 2) + '\n');
  return path;
}

function formatCell(cell: Cell): string {
  if (cell === null) return '—';
  if (typeof cell === 'string') return cell;
  if (Number.isInteger(cell)) return cell.toLocaleString('en-US');
  if (cell >= 100) return cell.toLocaleString('en-US', { maximumFractionDigits: 0 });
  return cell >= 10 ? cell.toFixed(1) : cell.toFixed(2);
}

/** Kernel speeds as a table: steady state next to BLAKE3's, and the cold first run. */
export function kernelTable(
  title: string,
  figures: Record<string, KernelSpeed>,
  notes: string[] = [],
): Table {
  const reference = figures['BLAKE3 (hash-wasm), reference']!.steady;
  return {
    title: `${title} (median of 3 after warm-up)`,
    columns: ['kernel', 'MB/s', '× BLAKE3', 'first run MB/s'],
    rows: Object.entries(figures).map(([name, speed]) => [
      name,
      speed.steady,
      ratio(speed.steady, reference),
      speed.first,
    ]),
    notes,
  };
}
