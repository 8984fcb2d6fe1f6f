/**
 * A folder's conflicts (src/app/conflicts.ts): for each, both versions with size and time,
 * Open for each, and Keep this one, which asks first and then discards the other. Listed
 * from the folder itself when the card opens and each time the folder settles, so
 * conflicts made while the page was closed show too.
 */
import { useEffect, useState } from 'preact/hooks';
import {
  keepCopy,
  keepOriginal,
  listConflicts,
  readFileAt,
  viewableType,
  type Conflict,
  type ConflictVersion,
} from '../app/conflicts.ts';
import type { FolderService } from '../app/folders.ts';
import type { FolderView } from '../app/foldersView.ts';
import { formatBytes } from './format.ts';
import { useTask } from './useTask.ts';

/** How long an opened file's object URL lives: long enough for its tab to load it. */
const URL_LIFETIME_MS = 60_000;

export function ConflictList({ view, service }: { view: FolderView; service: FolderService }) {
  const [conflicts, setConflicts] = useState<readonly Conflict[]>([]);
  const [error, setError] = useState<string | undefined>();
  const { busy, run } = useTask();
  const [listed, setListed] = useState(0);
  const running = view.access.kind === 'running';
  // Look again whenever the folder settles after something happened in it.
  const settled = running && view.state.kind === 'idle';
  const latest = view.activity[0];
  const key = `${settled}|${view.activity.length}|${latest?.at ?? ''}|${latest?.path ?? ''}|${listed}`;

  useEffect(() => {
    if (!settled) return undefined;
    let current = true;
    service
      .directory(view.id)
      .then(listConflicts)
      .then(
        (found) => {
          if (current) setConflicts(found);
        },
        (e: Error) => {
          if (current) setError(`conflicts could not be listed: ${e.message}`);
        },
      );
    return () => {
      current = false;
    };
  }, [key]);

  if (conflicts.length === 0 && !error) return null;

  const open = (path: string) => {
    setError(undefined);
    service
      .directory(view.id)
      .then((dir) => readFileAt(dir, path))
      .then(
        (file) => openOrDownload(file, path),
        (e: Error) => setError(e.message),
      );
  };
  const keep = (conflict: Conflict, which: 'original' | 'copy') => {
    const kept = which === 'original' ? conflict.original : conflict.copy.path;
    const dropped = which === 'original' ? conflict.copy.path : conflict.original;
    const question =
      which === 'copy' && conflict.current === undefined
        ? `Keep "${kept}" as "${conflict.original}"?`
        : `Keep "${kept}" and discard the other version ("${dropped}")? This changes the folder on every device it is shared with.`;
    if (!confirm(question)) return;
    setError(undefined);
    run(
      async () => {
        const dir = await service.directory(view.id);
        await (which === 'original' ? keepOriginal(dir, conflict) : keepCopy(dir, conflict));
      },
      () => {
        service.rescan(view.id);
        setConflicts((list) => list.filter((c) => c !== conflict));
        setListed((n) => n + 1);
      },
      (e) => {
        setError(e.message);
        setListed((n) => n + 1);
      },
    );
  };

  return (
    <div class="conflicts" data-testid="folder-conflicts">
      <h4>Conflicts ({conflicts.length})</h4>
      <p class="hint">Both versions were kept. Choose the one to keep; the other is deleted everywhere.</p>
      <ul>
        {conflicts.map((conflict) => (
          <li
            key={conflict.copy.path}
            class="conflict"
            data-testid="conflict"
            data-original={conflict.original}
          >
            <code>{conflict.original}</code>
            <ul class="conflict-versions">
              <Version
                which="original"
                label="This name"
                version={conflict.current}
                path={conflict.original}
                busy={busy}
                onOpen={open}
                onKeep={() => keep(conflict, 'original')}
              />
              <Version
                which="copy"
                label="Conflict copy"
                version={conflict.copy}
                path={conflict.copy.path}
                busy={busy}
                onOpen={open}
                onKeep={() => keep(conflict, 'copy')}
              />
            </ul>
          </li>
        ))}
      </ul>
      {error && (
        <p class="error" role="alert" data-testid="conflicts-error">
          {error}
        </p>
      )}
    </div>
  );
}

function Version({
  which,
  label,
  version,
  path,
  busy,
  onOpen,
  onKeep,
}: {
  which: 'original' | 'copy';
  label: string;
  version: ConflictVersion | undefined;
  path: string;
  busy: boolean;
  onOpen: (path: string) => void;
  onKeep: () => void;
}) {
  return (
    <li class="conflict-version" data-testid="conflict-version" data-which={which} data-path={path}>
      <span>
        {label}: <code>{path}</code>{' '}
        {version ? (
          <span class="muted">
            {formatBytes(version.size)}, modified{' '}
            <time dateTime={new Date(version.modified).toISOString()}>
              {new Date(version.modified).toLocaleString()}
            </time>
          </span>
        ) : (
          <span class="muted">(no longer there)</span>
        )}
      </span>
      {version && (
        <span class="actions">
          <button
            type="button"
            data-testid="conflict-open"
            aria-label={`Open ${path}`}
            onClick={() => onOpen(path)}
          >
            Open
          </button>
          <button
            type="button"
            data-testid="conflict-keep"
            aria-label={`Keep this one: ${path}`}
            disabled={busy}
            onClick={onKeep}
          >
            Keep this one
          </button>
        </span>
      )}
    </li>
  );
}

/** Shows a file in a new tab when a browser can show it safely; else downloads it. */
function openOrDownload(file: File, path: string): void {
  const type = viewableType(path);
  const url = URL.createObjectURL(type ? new Blob([file], { type }) : file);
  if (type) {
    window.open(url, '_blank', 'noopener');
  } else {
    const a = document.createElement('a');
    a.href = url;
    a.download = path.slice(path.lastIndexOf('/') + 1);
    a.click();
  }
  setTimeout(() => URL.revokeObjectURL(url), URL_LIFETIME_MS);
}
