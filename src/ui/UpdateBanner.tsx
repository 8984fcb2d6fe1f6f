/** "A new version is ready — Reload": shown while a new build's service worker waits (src/pwa.ts). */
import { useEffect, useState } from 'preact/hooks';
import { useUpdateService, type UpdateState } from './services.ts';

export function UpdateBanner() {
  const update = useUpdateService();
  const [state, setState] = useState<UpdateState>('none');
  useEffect(() => update?.subscribe(setState), [update]);
  if (update === undefined || state === 'none') return null;
  return (
    <div class="panel update-banner" role="status" data-testid="update-banner">
      <p>A new version of Tandem is ready. Reloading switches to it; anything in progress resumes after.</p>
      <button
        type="button"
        onClick={() => update.apply()}
        disabled={state === 'applying'}
        data-testid="update-reload"
      >
        {state === 'applying' ? 'Reloading…' : 'Reload'}
      </button>
    </div>
  );
}
