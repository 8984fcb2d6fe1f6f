/**
 * The services the UI may use, handed in by the composition root (src/app.ts). Components
 * reach them through these hooks and see ports only, never adapters.
 */
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { FolderService } from '../app/folders.ts';
import type { SettingsService } from '../app/settings.ts';
import type { NetworkService } from '../net/sessionHost.ts';
import type { ContentService } from '../ports/ContentService.ts';
import type { UpdateState } from '../pwa.ts';

export type { UpdateState };

export interface UpdateService {
  /** Calls `listener` with the state now and at each change; returns the unsubscribe. */
  subscribe(listener: (state: UpdateState) => void): () => void;
  /** Switches every tab to the waiting build. */
  apply(): void;
}

export interface Services {
  readonly content: ContentService;
  /** Updates of the app itself; absent where there is no service worker (tests, dev). */
  readonly update?: UpdateService;
  /** The network, or why it could not start. */
  readonly network: NetworkService | string;
  /** The shared folders; absent when the network could not start. */
  readonly folders?: FolderService;
  /** The network settings (ICE servers, relay); absent when the network could not start. */
  readonly settings?: SettingsService;
}

export const ServicesContext = createContext<Services | null>(null);

function useServices(): Services {
  const services = useContext(ServicesContext);
  if (services === null) throw new Error('ServicesContext is missing: render the UI through App');
  return services;
}

export function useUpdateService(): UpdateService | undefined {
  return useServices().update;
}

export function useContentService(): ContentService {
  return useServices().content;
}

/**
 * The least time between renders while changes keep coming: a folder receiving thousands of
 * small files changes hundreds of times a second, and rendering each change took a good
 * part of the page's thread (app bench profile).
 */
const RENDER_EVERY_MS = 100;

/**
 * Re-renders on changes of `service`: at once after a quiet spell, else once at the end of
 * the `RENDER_EVERY_MS` window, so the last change is always shown. The effect subscribes
 * after the first render, so it renders once more at once: a change between the two (a
 * folder restored, a peer connected) would otherwise stay unseen until the next one,
 * which may never come.
 */
function useChanges(service: { onChange(listener: () => void): () => void } | undefined): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (service === undefined) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const render = () => {
      timer = undefined;
      last = Date.now();
      setTick((n) => n + 1);
    };
    const stop = service.onChange(() => {
      if (timer !== undefined) return;
      const wait = last + RENDER_EVERY_MS - Date.now();
      if (wait <= 0) render();
      else timer = setTimeout(render, wait);
    });
    render();
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [service]);
}

/** The network service, re-rendering on each of its changes; or the text of why it is missing. */
export function useNetwork(): NetworkService | string {
  const network = useServices().network;
  useChanges(typeof network === 'string' ? undefined : network);
  return network;
}

/** The folder service (or undefined), re-rendering on each of its changes. */
export function useFolders(): FolderService | undefined {
  const folders = useServices().folders;
  useChanges(folders);
  return folders;
}

/** The settings service (or undefined), re-rendering on each of its changes. */
export function useSettings(): SettingsService | undefined {
  const settings = useServices().settings;
  useChanges(settings);
  return settings;
}
