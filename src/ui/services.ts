/**
 * The services the UI may use, handed in by the composition root (src/app.ts). Components
 * reach them through these hooks and see ports only, never adapters.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ContentService } from '../ports/ContentService.ts';

export interface Services {
  readonly content: ContentService;
}

export const ServicesContext = createContext<Services | null>(null);

function useServices(): Services {
  const services = useContext(ServicesContext);
  if (services === null) throw new Error('ServicesContext is missing: render the UI through App');
  return services;
}

export function useContentService(): ContentService {
  return useServices().content;
}
