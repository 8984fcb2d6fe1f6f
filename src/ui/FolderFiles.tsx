/**
 * The tools of an app-private (OPFS) folder, which no file manager reaches: import files or
 * a whole folder, download the folder as a zip or one file, and share files where the
 * browser can. Rendered (collapsed) on the folder's card only while the folder runs and
 * lives in this browser; its root names the folder for drops (FolderDrop.tsx).
 */
import { useContext, useEffect, useState } from 'preact/hooks';
import { createContext, type TargetedEvent } from 'preact';
import {
  describeImport,
  importFiles,
  isAppPrivate,
  itemsFromFiles,
  listFiles,
  readFile,
  zipFolder,
  type FolderFile,
  type ImportItem,
} from '../app/folderFiles.ts';
import type { FolderService } from '../app/folders.ts';
import type { FolderView } from '../app/foldersView.ts';
import type { FolderId } from '../ports/Store.ts';
import { formatBytes } from './format.ts';
import { useTask } from './useTask.ts';

/** What a card needs of the drop zone (FolderDrop.tsx): whether a drag is over it, and what its last drop did. */
export interface DropState {
  readonly over: FolderId | undefined;
  readonly result: { readonly folder: FolderId; readonly text: string; readonly error: boolean } | undefined;
}

export const DropContext = createContext<DropState>({ over: undefined, result: undefined });

/** Files listed on the card; a larger folder is downloaded as a zip to see the rest. */
const LISTED = 500;

/** Asks the person once whether files already there may be replaced. */
function confirmReplace(paths: readonly string[]): boolean {
  const named = paths.slice(0, 5).join('\n');
  const more = paths.length > 5 ? `\n…and ${paths.length - 5} more` : '';
  return confirm(
    `Replace ${paths.length === 1 ? 'this file' : `these ${paths.length} files`}?\n${named}${more}`,
  );
}

/** Imports `items` into folder `id`, asking before replacing, then has it looked at again. */
export async function importInto(
  service: FolderService,
  id: FolderId,
  items: readonly ImportItem[],
): Promise<string> {
  if (items.length === 0) throw new Error('there was nothing to import');
  const result = await importFiles(await service.directory(id), items, confirmReplace);
  if (result.added.length + result.replaced.length > 0) service.rescan(id);
  return describeImport(result);
}

/** Saves `blob` as `name` through a temporary object URL, revoked once the download started. */
function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  // The click starts the download asynchronously: revoking at once may cancel it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The directory of folder `view` if it runs and lives in this browser; else undefined. */
function useAppPrivateDirectory(
  view: FolderView,
  service: FolderService,
): FileSystemDirectoryHandle | undefined {
  const [dir, setDir] = useState<FileSystemDirectoryHandle | undefined>();
  const running = view.access.kind === 'running';
  useEffect(() => {
    setDir(undefined);
    if (!running) return undefined;
    let live = true;
    (async () => {
      const directory = await service.directory(view.id);
      if (live && (await isAppPrivate(directory))) setDir(directory);
    })().catch(() => undefined); // no tools for a folder that cannot be opened; the card says why
    return () => {
      live = false;
    };
  }, [service, view.id, running]);
  return dir;
}

export function FolderFiles({ view, service }: { view: FolderView; service: FolderService }) {
  const dir = useAppPrivateDirectory(view, service);
  if (!dir) return null;
  return <Tools view={view} service={service} dir={dir} />;
}

function Tools({
  view,
  service,
  dir,
}: {
  view: FolderView;
  service: FolderService;
  dir: FileSystemDirectoryHandle;
}) {
  const drop = useContext(DropContext);
  const [open, setOpen] = useState(false);
  const task = useTask();
  const busy = task.busy;
  const [status, setStatus] = useState<{ text: string; error: boolean } | undefined>();
  const [files, setFiles] = useState<FolderFile[] | undefined>();
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [listed, setListed] = useState(0);

  // Lists again when opened, after an import, and as sync changes the folder.
  const latest = view.activity[0]?.at;
  useEffect(() => {
    if (!open) return undefined;
    let live = true;
    listFiles(dir, LISTED + 1).then(
      (list) => live && setFiles(list),
      (e: Error) => live && setStatus({ text: `The files could not be listed: ${e.message}`, error: true }),
    );
    return () => {
      live = false;
    };
  }, [open, dir, listed, latest, view.state.kind]);

  const dropped = drop.result?.folder === view.id ? drop.result : undefined;
  useEffect(() => {
    if (!dropped) return;
    setStatus({ text: dropped.text, error: dropped.error });
    setListed((n) => n + 1);
  }, [dropped]);

  const run = (work: () => Promise<string | undefined>) => {
    setStatus(undefined);
    task.run(
      work,
      (text) => {
        if (text) setStatus({ text, error: false });
        setListed((n) => n + 1);
      },
      (e) => setStatus({ text: e.message, error: true }),
    );
  };
  const onImport = (e: TargetedEvent<HTMLInputElement>) => {
    const items = itemsFromFiles(e.currentTarget.files ?? []);
    e.currentTarget.value = ''; // choosing the same files again imports them again
    run(() => importInto(service, view.id, items));
  };
  const shareable = (picked: File[]) =>
    typeof navigator.share === 'function' &&
    typeof navigator.canShare === 'function' &&
    navigator.canShare({ files: picked });
  const canShare = typeof navigator.canShare === 'function' && typeof navigator.share === 'function';
  const shown = files?.slice(0, LISTED);

  return (
    <details
      class="folder-files"
      data-testid="folder-files"
      data-folder-drop={view.id}
      data-drop-over={drop.over === view.id ? '' : undefined}
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary>Files in this browser</summary>
      <p class="hint">Drop files or folders onto this card, or:</p>
      <div class="folder-files-actions">
        <label class="file-button">
          Import files
          <input type="file" multiple data-testid="folder-import-files" disabled={busy} onChange={onImport} />
        </label>
        <label class="file-button">
          Import a folder
          <input
            type="file"
            {...{ webkitdirectory: true }}
            data-testid="folder-import-folder"
            disabled={busy}
            onChange={onImport}
          />
        </label>
        <button
          type="button"
          data-testid="folder-download-zip"
          disabled={busy}
          onClick={() =>
            run(async () => {
              save(await new Response(zipFolder(dir)).blob(), `${view.label}.zip`);
              return undefined;
            })
          }
        >
          Download all (.zip)
        </button>
        {canShare && (
          <button
            type="button"
            data-testid="folder-share-files"
            disabled={busy || chosen.size === 0}
            onClick={() =>
              run(async () => {
                const picked = await Promise.all([...chosen].map((p) => readFile(dir, p)));
                if (!shareable(picked)) throw new Error('this browser cannot share these files');
                await navigator.share({ files: picked, title: view.label });
                return undefined;
              })
            }
          >
            Share chosen ({chosen.size})
          </button>
        )}
      </div>
      {status && (
        <p
          class={status.error ? 'error' : 'folder-files-status'}
          role="status"
          data-testid="folder-files-status"
        >
          {status.text}
        </p>
      )}
      {shown && shown.length === 0 && <p class="hint">No files yet.</p>}
      {shown && shown.length > 0 && (
        <ul class="folder-file-list" aria-label={`Files in ${view.label}`}>
          {shown.map((f) => (
            <li key={f.path} data-testid="folder-file" data-path={f.path}>
              {canShare ? (
                <label>
                  <input
                    type="checkbox"
                    checked={chosen.has(f.path)}
                    onChange={(e) => {
                      const next = new Set(chosen);
                      if (e.currentTarget.checked) next.add(f.path);
                      else next.delete(f.path);
                      setChosen(next);
                    }}
                  />{' '}
                  <code>{f.path}</code>
                </label>
              ) : (
                <code>{f.path}</code>
              )}{' '}
              <span class="muted">{formatBytes(f.size)}</span>{' '}
              <button
                type="button"
                class="small"
                data-testid="folder-file-download"
                aria-label={`Download ${f.path}`}
                onClick={() =>
                  run(async () => {
                    save(await readFile(dir, f.path), f.path.slice(f.path.lastIndexOf('/') + 1));
                    return undefined;
                  })
                }
              >
                Download
              </button>
            </li>
          ))}
        </ul>
      )}
      {files && files.length > LISTED && (
        <p class="hint">The first {LISTED} files are listed; download the zip for all of them.</p>
      )}
    </details>
  );
}
