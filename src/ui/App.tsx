/** The page: what Tandem is, and the content engine panel. */
import { ServicesContext, type Services } from './services.ts';
import { ContentPanel } from './ContentPanel.tsx';

export function App({ services }: { services: Services }) {
  return (
    <ServicesContext.Provider value={services}>
      <header class="masthead">
        <img class="logo" src="/icon.svg" alt="" width={40} height={40} />
        <div>
          <h1>Tandem</h1>
          <p class="tagline" data-testid="tagline">
            Keeps your folders in sync between your own devices, peer to peer — no cloud copy, no account.
            Syncing arrives in a later version; today you can try the content engine below.
          </p>
        </div>
      </header>
      <main>
        <ContentPanel />
      </main>
    </ServicesContext.Provider>
  );
}
