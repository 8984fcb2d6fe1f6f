/** The page: what Tandem is, this device and its pairings, its folders, and the content engine panel. */
import { ServicesContext, type Services } from './services.ts';
import { ContentPanel } from './ContentPanel.tsx';
import { FoldersPanel } from './FoldersPanel.tsx';
import { NetworkPanel } from './NetworkPanel.tsx';
import { SettingsPanel } from './SettingsPanel.tsx';
import { UpdateBanner } from './UpdateBanner.tsx';

/** `pairingLink`: the `#pair=…` fragment the page was opened with, if any. */
export function App({ services, pairingLink }: { services: Services; pairingLink?: string }) {
  return (
    <ServicesContext.Provider value={services}>
      <header class="masthead">
        <img class="logo" src="/icon.svg" alt="" width={40} height={40} />
        <div>
          <h1>Tandem</h1>
          <p class="tagline" data-testid="tagline">
            Keeps your folders in sync between your own devices, peer to peer — no cloud copy, no account.
            Pair your devices, then share folders between them.
          </p>
        </div>
      </header>
      <main>
        <UpdateBanner />
        <NetworkPanel pairingLink={pairingLink} />
        <FoldersPanel />
        <SettingsPanel />
        <ContentPanel />
      </main>
    </ServicesContext.Provider>
  );
}
