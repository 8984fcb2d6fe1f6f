/**
 * This device and its pairings: name it on the first visit, pair (show a link, scan one,
 * or arrive from one), and see the paired devices. Opening the page from a pairing link
 * starts joining at once (after naming the device, on a first visit).
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { PairResult } from '../net/handshakePair.ts';
import type { PairingInvite } from '../net/session.ts';
import type { NetworkService } from '../net/sessionHost.ts';
import type { DeviceId } from '../ports/Store.ts';
import { DeviceList } from './DeviceList.tsx';
import { InviteCard } from './InviteCard.tsx';
import { PairingResult } from './PairingResult.tsx';
import { ScanCard } from './ScanCard.tsx';
import { useNetwork } from './services.ts';

type Join =
  | { readonly phase: 'joining' | 'connecting' }
  | { readonly phase: 'paired'; readonly result: PairResult }
  | { readonly phase: 'failed'; readonly message: string };

export function NetworkPanel({ pairingLink }: { pairingLink?: string }) {
  const network = useNetwork();
  if (typeof network === 'string') {
    return (
      <section class="panel" data-testid="network">
        <p class="error" role="alert" data-testid="network-error">
          {network}
        </p>
      </section>
    );
  }
  return <Devices network={network} pairingLink={pairingLink} />;
}

function Devices({ network, pairingLink }: { network: NetworkService; pairingLink?: string }) {
  const [invite, setInvite] = useState<PairingInvite | undefined>();
  const [scanning, setScanning] = useState(false);
  const [join, setJoin] = useState<Join | undefined>();
  const pending = useRef(pairingLink);

  const startJoin = useCallback(
    (link: string) => {
      setScanning(false);
      setJoin({ phase: 'joining' });
      network.joinPairing(link, { onAttempt: () => setJoin({ phase: 'connecting' }) }).then(
        (result) => setJoin({ phase: 'paired', result }),
        (error: Error) => setJoin({ phase: 'failed', message: error.message }),
      );
    },
    [network],
  );

  useEffect(() => {
    if (network.name === undefined || network.problem || pending.current === undefined) return;
    const link = pending.current;
    pending.current = undefined;
    startJoin(link);
  }, [network.name, network.problem, startJoin]);

  if (network.name === undefined) return <NameForm network={network} />;
  return (
    <section class="panel" data-testid="network">
      <h2>Devices</h2>
      <p>
        This device: <strong data-testid="my-name">{network.name}</strong>{' '}
        <code data-testid="my-id" title={network.deviceId}>
          {network.shortId}
        </code>
      </p>
      {network.problem && (
        <p class="error" role="alert" data-testid="network-error">
          {network.problem}
        </p>
      )}
      <p class="actions">
        <button
          type="button"
          data-testid="pair-start"
          disabled={Boolean(network.problem)}
          onClick={() => {
            withdraw(invite);
            setScanning(false);
            setInvite(network.startPairing());
          }}
        >
          Pair a device
        </button>{' '}
        <button
          type="button"
          data-testid="scan-start"
          disabled={Boolean(network.problem)}
          onClick={() => {
            setJoin(undefined);
            setScanning(true);
          }}
        >
          Scan
        </button>
      </p>
      {invite && (
        <InviteCard
          // A new invitation is a new card: its phase starts from the new one's, never from
          // the last pairing's result (which hid the second QR code and link).
          key={invite.link}
          invite={invite}
          onClose={() => {
            withdraw(invite);
            setInvite(undefined);
          }}
        />
      )}
      {scanning && <ScanCard onLink={startJoin} onClose={() => setScanning(false)} />}
      {join && <JoinCard join={join} onClose={() => setJoin(undefined)} />}
      <DeviceList devices={network.devices()} onForget={(id) => void network.forget(id as DeviceId)} />
    </section>
  );
}

/**
 * Closes an invite card. An unused link is withdrawn; a used one is still answered until it
 * expires, so a device that opens it again is told it was used.
 */
function withdraw(invite: PairingInvite | undefined): void {
  if (invite && invite.phase.phase !== 'paired') invite.cancel();
}

function JoinCard({ join, onClose }: { join: Join; onClose: () => void }) {
  return (
    // Polite live region: each phase, and the verification words, are read out as they come.
    <section class="card join" data-testid="join" aria-live="polite">
      <h3>Pairing</h3>
      {join.phase === 'joining' && (
        <p data-testid="join-status">Looking for the device that made the link…</p>
      )}
      {join.phase === 'connecting' && <p data-testid="join-status">Connecting…</p>}
      {join.phase === 'paired' && <PairingResult result={join.result} />}
      {join.phase === 'failed' && (
        <p class="error" role="alert" data-testid="join-error">
          Pairing failed: {join.message}
        </p>
      )}
      {(join.phase === 'paired' || join.phase === 'failed') && (
        <button type="button" onClick={onClose}>
          {join.phase === 'paired' ? 'Done' : 'Close'}
        </button>
      )}
    </section>
  );
}

function NameForm({ network }: { network: NetworkService }) {
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  return (
    <section class="panel" data-testid="network">
      <h2>Name this device</h2>
      <p>Your other devices will show this name, e.g. “Anna’s laptop”.</p>
      <form
        class="link-row"
        onSubmit={(event) => {
          event.preventDefault();
          network.setName(name).then(
            () => setProblem(undefined),
            (error: Error) => setProblem(error.message),
          );
        }}
      >
        <input
          value={name}
          aria-label="Device name"
          data-testid="name-input"
          maxLength={64}
          onInput={(event) => setName(event.currentTarget.value)}
        />
        <button type="submit" data-testid="name-save">
          Save
        </button>
      </form>
      {problem && (
        <p class="error" role="alert" data-testid="name-error">
          {problem}
        </p>
      )}
    </section>
  );
}
