/**
 * The downloads under way in a folder, a progress bar each (DESIGN.md, "What a user sees"
 * 5): the first few, and how many more.
 */
import type { FileInFlight } from '../app/foldersView.ts';

/** Bars shown at most; the rest are counted. */
export const FILES_SHOWN = 10;

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];

/** "3.2 of 10.0 MiB": both figures in the unit of the total (binary units, as the card's sizes). */
export function doneOfTotal(done: number, total: number): string {
  let unit = 0;
  while (total >= 1024 && unit < UNITS.length - 1) {
    total /= 1024;
    done /= 1024;
    unit++;
  }
  const digits = (n: number) => (unit === 0 ? String(Math.round(n)) : n.toFixed(total < 10 ? 2 : 1));
  return `${digits(Math.min(done, total))} of ${digits(total)} ${UNITS[unit]}`;
}

export function FileProgressList({ files }: { files: readonly FileInFlight[] }) {
  if (files.length === 0) return null;
  const more = files.length - FILES_SHOWN;
  return (
    <div class="file-progress" data-testid="file-progress">
      <ul aria-label="Files downloading">
        {files.slice(0, FILES_SHOWN).map((file) => {
          const figures = doneOfTotal(file.bytesDone, file.bytesTotal);
          return (
            <li key={file.path} data-testid="file-progress-item" data-path={file.path}>
              <span class="file-progress-name">
                <code>{file.path}</code> <span class="muted">{figures}</span>
              </span>
              <progress
                max={Math.max(1, file.bytesTotal)}
                value={Math.min(file.bytesDone, file.bytesTotal)}
                aria-label={`${file.path}: ${figures}`}
              />
            </li>
          );
        })}
      </ul>
      {more > 0 && (
        <p class="muted" data-testid="file-progress-more">
          and {more} more
        </p>
      )}
    </div>
  );
}
