/**
 * Dropping onto the folders screen. A folder dropped on the screen is shared as if picked
 * (`FolderService.addDirectory`, read-write access asked first), where the browser hands
 * out directory handles (`getAsFileSystemHandle`) and has File System Access at all. Files
 * and folders dropped onto the card of an app-private folder are imported into it
 * (`webkitGetAsEntry` walks a dropped folder), whatever the browser. Anything else gets a
 * message saying what to do instead. Keyboard users have the Add button and the import
 * inputs on each card.
 */
import type { ComponentChildren, TargetedDragEvent } from 'preact';
import { useState } from 'preact/hooks';
import { itemsFromEntries, type ImportItem } from '../app/folderFiles.ts';
import type { FolderService } from '../app/folders.ts';
import type { FolderId } from '../ports/Store.ts';
import { DropContext, importInto, type DropState } from './FolderFiles.tsx';

/** One dropped item, read during the drop event: the DataTransfer is empty once it returns. */
interface DroppedItem {
  /** Undefined where the browser has no `getAsFileSystemHandle`. */
  readonly handle: Promise<FileSystemHandle | null> | undefined;
  readonly entry: FileSystemEntry | null;
  readonly file: File | null;
}

function grab(data: DataTransfer): DroppedItem[] {
  return [...data.items]
    .filter((item) => item.kind === 'file')
    .map((item) => ({
      handle: typeof item.getAsFileSystemHandle === 'function' ? item.getAsFileSystemHandle() : undefined,
      entry: typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null,
      file: item.getAsFile(),
    }));
}

/** The app-private folder whose card is under `target`, if any. */
function folderUnder(target: EventTarget | null): FolderId | undefined {
  if (!(target instanceof Element)) return undefined;
  const card = target.closest('[data-testid=folder]');
  return card?.querySelector('[data-folder-drop]')?.getAttribute('data-folder-drop') ?? undefined;
}

const NOTHING = 'Nothing here could be added: drop a folder, or files onto a folder kept in this browser.';

/** The files of a drop, folders walked (a synthetic drop has no entries: its files then). */
async function droppedFiles(items: readonly DroppedItem[]): Promise<ImportItem[]> {
  const entries = items.flatMap((i) => (i.entry ? [i.entry] : []));
  const loose = items.flatMap((i) => (!i.entry && i.file ? [{ path: i.file.name, file: i.file }] : []));
  return [...(await itemsFromEntries(entries)), ...loose];
}

/** Shares the directories dropped on the screen; says what it did, or throws why not. */
async function shareDropped(service: FolderService, items: readonly DroppedItem[]): Promise<string> {
  if (!service.canPick || items.some((i) => i.handle === undefined))
    throw new Error(
      'This browser cannot share a folder dropped here: use Add folder, then drop files onto its card to import them.',
    );
  const handles = (await Promise.all(items.map((i) => i.handle))).filter((h): h is FileSystemHandle => !!h);
  const folders = handles.filter((h): h is FileSystemDirectoryHandle => h.kind === 'directory');
  if (folders.length === 0) {
    if (handles.length === 0) throw new Error(NOTHING);
    throw new Error(
      `“${handles[0]!.name}” is a file, not a folder: drop a folder here to share it, or drop files onto a folder kept in this browser to import them.`,
    );
  }
  const shared: string[] = [];
  for (const folder of folders) {
    await service.addDirectory(folder);
    shared.push(folder.name);
  }
  const files = handles.length - folders.length;
  const skipped = files > 0 ? ` ${files} dropped ${files === 1 ? 'file was' : 'files were'} left out.` : '';
  return `Sharing ${shared.map((n) => `“${n}”`).join(', ')}.${skipped}`;
}

export function FolderDropZone({
  service,
  children,
}: {
  service: FolderService;
  children: ComponentChildren;
}) {
  const [dragging, setDragging] = useState(false);
  const [over, setOver] = useState<FolderId | undefined>();
  const [result, setResult] = useState<DropState['result']>();
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();

  const onDragOver = (e: TargetedDragEvent<HTMLElement>) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault(); // allows the drop
    e.dataTransfer.dropEffect = 'copy';
    setDragging(true);
    setOver(folderUnder(e.target));
  };
  const onDragLeave = (e: TargetedDragEvent<HTMLElement>) => {
    if (e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget)) return;
    setDragging(false);
    setOver(undefined);
  };
  const onDrop = (e: TargetedDragEvent<HTMLElement>) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    setDragging(false);
    setOver(undefined);
    setMessage(undefined);
    const items = grab(e.dataTransfer);
    const folder = folderUnder(e.target);
    if (items.length === 0) {
      setMessage({ text: NOTHING, error: true });
      return;
    }
    if (folder !== undefined) {
      droppedFiles(items)
        .then((files) => importInto(service, folder, files))
        .then(
          (text) => setResult({ folder, text, error: false }),
          (error: Error) => setResult({ folder, text: error.message, error: true }),
        );
      return;
    }
    shareDropped(service, items).then(
      (text) => setMessage({ text, error: false }),
      (error: Error) => setMessage({ text: error.message, error: true }),
    );
  };

  return (
    <div
      class={dragging ? 'folder-drop dragging' : 'folder-drop'}
      data-testid="folder-drop"
      onDragOver={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
    >
      {message && (
        <p
          class={message.error ? 'error folder-drop-message' : 'folder-drop-message'}
          role={message.error ? 'alert' : 'status'}
          data-testid="folder-drop-message"
        >
          {message.text}
        </p>
      )}
      <DropContext.Provider value={{ over, result }}>{children}</DropContext.Provider>
    </div>
  );
}
