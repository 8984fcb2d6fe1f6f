/**
 * "Ignore rules" on a folder's card (collapsed): its `.tandemignore` in a text box, the
 * lines that would do nothing shown as they are typed, and Save, which writes the file
 * and has the folder looked at again. The file syncs like any other, so every device of
 * the folder applies the same rules.
 */
import { useEffect, useState } from 'preact/hooks';
import type { FolderService } from '../app/folders.ts';
import type { FolderView } from '../app/foldersView.ts';
import { useTask } from './useTask.ts';
import {
  checkIgnoreText,
  IGNORE_FILE,
  IGNORE_HELP,
  readIgnoreFile,
  writeIgnoreFile,
  type IgnoreFileContent,
} from '../app/ignoreFile.ts';

export function IgnoreEditor({ view, service }: { view: FolderView; service: FolderService }) {
  const [open, setOpen] = useState(false);
  const [saved, setSaved] = useState<IgnoreFileContent | undefined>();
  const [text, setText] = useState('');
  const { busy, run } = useTask();
  const [status, setStatus] = useState<{ text: string; error: boolean } | undefined>();
  const [loads, setLoads] = useState(0);
  const running = view.access.kind === 'running';

  useEffect(() => {
    if (!open || !running) return undefined;
    let live = true;
    setSaved(undefined);
    (async () => readIgnoreFile(await service.directory(view.id)))().then(
      (content) => {
        if (!live) return;
        setSaved(content);
        setText(content.text);
      },
      (e: Error) => live && setStatus({ text: e.message, error: true }),
    );
    return () => {
      live = false;
    };
  }, [open, running, service, view.id, loads]);

  const problems = checkIgnoreText(text);
  const id = `ignore-${view.id}`;
  const save = () => {
    if (!saved) return;
    setStatus(undefined);
    run(
      async () => writeIgnoreFile(await service.directory(view.id), text, saved.stamp),
      (content) => {
        setSaved(content);
        service.rescan(view.id);
        setStatus({ text: 'Saved. The folder is being looked at again.', error: false });
      },
      (e) => setStatus({ text: e.message, error: true }),
    );
  };

  return (
    <details
      class="ignore-editor"
      data-testid="folder-ignore"
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary>Ignore rules</summary>
      {!running ? (
        <p class="hint">The rules can be edited while the folder is open.</p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <label for={id}>
            Files matching these rules stay on this device and are not synced (<code>{IGNORE_FILE}</code>, one
            rule a line, as in <code>.gitignore</code>):
          </label>
          <textarea
            id={id}
            data-testid="folder-ignore-text"
            rows={6}
            spellcheck={false}
            value={text}
            disabled={!saved || busy}
            aria-describedby={problems.length > 0 ? `${id}-problems` : undefined}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          {problems.length > 0 && (
            <ul id={`${id}-problems`} class="error ignore-problems" data-testid="folder-ignore-problems">
              {problems.map((p) => (
                <li key={p.line}>
                  {p.line > 0 ? (
                    <>
                      Line {p.line} (<code>{p.text}</code>): {p.message}
                    </>
                  ) : (
                    p.message
                  )}
                </li>
              ))}
            </ul>
          )}
          <p class="actions">
            <button
              type="submit"
              data-testid="folder-ignore-save"
              disabled={!saved || busy || problems.length > 0 || text === saved.text}
            >
              Save rules
            </button>
            {status?.error && saved && (
              <button type="button" onClick={() => setLoads((n) => n + 1)}>
                Reload
              </button>
            )}
          </p>
          {status && (
            <p class={status.error ? 'error' : 'hint'} role="status" data-testid="folder-ignore-status">
              {status.text}
            </p>
          )}
          <details class="ignore-help">
            <summary>Examples</summary>
            <dl>
              {IGNORE_HELP.map(({ rule, meaning }) => (
                <div key={rule}>
                  <dt>
                    <code>{rule}</code>
                  </dt>
                  <dd>{meaning}</dd>
                </div>
              ))}
            </dl>
            <p class="hint">
              Matching ignores case. Ignoring a file deletes it nowhere: it just stops syncing.
            </p>
          </details>
        </form>
      )}
    </details>
  );
}
