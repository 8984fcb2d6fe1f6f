/**
 * "Why isn't this in sync?" on a folder card: a path (typed, or picked from the folder's
 * issues and recent activity) → the engine's facts (FolderService.explain) in sentences
 * (whyText.ts).
 */
import { useState } from 'preact/hooks';
import type { FolderService } from '../app/folders.ts';
import type { FolderView } from '../app/foldersView.ts';
import { shortDeviceId } from '../core/model/device.ts';
import type { DeviceView } from '../net/session.ts';
import { useNetwork } from './services.ts';
import { useTask } from './useTask.ts';
import { formatWhen, whyText, type WhyAnswer, type WhyContext } from './whyText.ts';

/** Suggested paths at most. */
const SUGGESTIONS = 50;

export function WhyNotInSync({
  view,
  service,
  devices,
}: {
  view: FolderView;
  service: FolderService;
  devices: readonly DeviceView[];
}) {
  const network = useNetwork();
  const [path, setPath] = useState('');
  const [answer, setAnswer] = useState<WhyAnswer | { readonly error: string } | undefined>();
  const { busy, run } = useTask();
  if (view.access.kind !== 'running') return null;

  const suggestions = [...new Set([...view.issues.map((i) => i.path), ...view.activity.map((a) => a.path)])];
  const context = (): WhyContext => {
    const authors = new Map(devices.map(({ device }) => [shortDeviceId(device.id), device.name]));
    if (typeof network !== 'string') authors.set(network.shortId, 'this device');
    const now = Date.now();
    return {
      names: new Map(devices.map(({ device }) => [device.id, device.name])),
      authors,
      lastSeen: new Map(
        devices.flatMap((d) => (d.lastSeen === undefined ? [] : [[d.device.id, d.lastSeen]])),
      ),
      time: (ms) => formatWhen(ms, now),
    };
  };
  const ask = (event: Event) => {
    event.preventDefault();
    if (path.trim() === '')
      return setAnswer({ error: 'Type the path of a file in this folder, like docs/notes.txt.' });
    run(
      () => service.explain(view.id, path),
      (explanation) => setAnswer(whyText(explanation, context())),
      (error) => setAnswer({ error: error.message }),
    );
  };
  const inputId = `why-path-${view.id}`;
  const listId = `why-paths-${view.id}`;
  return (
    <details class="why" data-testid="why">
      <summary>Why isn't a file in sync?</summary>
      <form class="why-form" onSubmit={ask}>
        <label for={inputId}>File path in this folder</label>
        <input
          id={inputId}
          type="text"
          list={listId}
          data-testid="why-path"
          placeholder="docs/notes.txt"
          autocomplete="off"
          spellcheck={false}
          value={path}
          onInput={(e) => setPath(e.currentTarget.value)}
        />
        <datalist id={listId}>
          {suggestions.slice(0, SUGGESTIONS).map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
        <button type="submit" data-testid="why-ask" disabled={busy}>
          Explain
        </button>
      </form>
      {answer && (
        <div
          class={`why-answer ${'error' in answer ? 'problem' : answer.tone}`}
          role="status"
          data-testid="why-answer"
        >
          {'error' in answer ? (
            <p class="error">{answer.error}</p>
          ) : (
            <>
              <p data-testid="why-headline">{answer.headline}</p>
              {answer.details.length > 0 && (
                <ul>
                  {answer.details.map((d) => (
                    <li key={d}>{d}</li>
                  ))}
                </ul>
              )}
            </>
          )}
        </div>
      )}
    </details>
  );
}
