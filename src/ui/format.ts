/** Display formatting shared by the UI. Sizes in binary units, speeds in MB/s (10^6 bytes). */

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

export function formatMillis(millis: number): string {
  return millis < 1000 ? `${Math.round(millis)} ms` : `${(millis / 1000).toFixed(2)} s`;
}

export function formatRate(bytes: number, millis: number): string {
  if (millis <= 0) return '—';
  const mbps = bytes / 1e6 / (millis / 1000);
  return `${mbps.toFixed(mbps < 10 ? 1 : 0)} MB/s`;
}
