/**
 * The service worker (built by vite-plugin-pwa, see vite.config.ts): registers it, and
 * makes an update a whole-app swap. A new build's worker installs beside the running one
 * and waits; the page offers a reload (`applyUpdate`), which lets the new worker take over,
 * and every page it controlled reloads at once — a page never runs old code against the
 * new worker's cache (whose old assets are gone). Left alone, the new worker takes over
 * when the last tab of the old version closes.
 *
 * Only in a production build (the dev server has no worker) and where the browser offers
 * service workers (secure contexts: https, localhost).
 */

export type UpdateState = 'none' | 'ready' | 'applying';
type Listener = (state: UpdateState) => void;

/** How often a long-open page asks the server whether a new build exists. */
const UPDATE_CHECK_MS = 60 * 60 * 1000;
/** Returning to the page checks too, at most this often. */
const MIN_CHECK_GAP_MS = 10 * 60 * 1000;

let state: UpdateState = 'none';
let waiting: ServiceWorker | undefined;
const listeners = new Set<Listener>();

function setState(next: UpdateState): void {
  state = next;
  for (const listener of listeners) listener(state);
}

/** Calls `listener` now with the current state and on every change; returns the unsubscribe. */
export function subscribeUpdate(listener: Listener): () => void {
  listeners.add(listener);
  listener(state);
  return () => listeners.delete(listener);
}

/** Lets the waiting worker take over; the page reloads when it controls it. */
export function applyUpdate(): void {
  if (state !== 'ready' || waiting === undefined) return;
  setState('applying');
  // Handled by the generated worker: it calls skipWaiting().
  waiting.postMessage({ type: 'SKIP_WAITING' });
}

function offer(worker: ServiceWorker): void {
  // No controller: the first install (it claims the page; nothing old to replace).
  if (navigator.serviceWorker.controller === null) return;
  waiting = worker;
  if (state === 'none') setState('ready');
}

function watch(worker: ServiceWorker, registration: ServiceWorkerRegistration): void {
  worker.addEventListener('statechange', () => {
    if (worker.state === 'installed' && registration.waiting === worker) offer(worker);
  });
}

async function register(): Promise<void> {
  const container = navigator.serviceWorker;
  let controlled = container.controller !== null;
  let reloading = false;
  container.addEventListener('controllerchange', () => {
    // The first install claiming this page changes nothing it runs; any later change is a new version.
    if (!controlled) {
      controlled = true;
      return;
    }
    if (reloading) return;
    reloading = true;
    location.reload();
  });

  const registration = await container.register(`${import.meta.env.BASE_URL}sw.js`, {
    scope: import.meta.env.BASE_URL,
  });
  if (registration.waiting !== null) offer(registration.waiting);
  if (registration.installing !== null) watch(registration.installing, registration);
  registration.addEventListener('updatefound', () => {
    if (registration.installing !== null) watch(registration.installing, registration);
  });

  let lastCheck = Date.now();
  const check = (): void => {
    lastCheck = Date.now();
    // Offline or the server away: the next check tries again.
    registration.update().catch(() => undefined);
  };
  setInterval(check, UPDATE_CHECK_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && Date.now() - lastCheck > MIN_CHECK_GAP_MS) check();
  });
}

if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  register().catch((error: unknown) => {
    // The app works without it, only not offline.
    console.warn(`Tandem: the service worker could not be registered: ${(error as Error).message}`);
  });
}
