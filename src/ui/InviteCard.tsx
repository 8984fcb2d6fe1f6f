/** "Pair a device": the pairing link as a QR code (made here, offline) and as text to copy. */
import { renderSVG } from 'uqr';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { PairingInvite, PairingPhase } from '../net/session.ts';
import { PairingResult } from './PairingResult.tsx';

export function InviteCard({ invite, onClose }: { invite: PairingInvite; onClose: () => void }) {
  const [phase, setPhase] = useState<PairingPhase>(invite.phase);
  const [copied, setCopied] = useState(false);
  useEffect(() => invite.onPhase(setPhase), [invite]);
  const qr = useMemo(
    () => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSVG(invite.link, { border: 2 }))}`,
    [invite.link],
  );
  const copy = () =>
    navigator.clipboard.writeText(invite.link).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  return (
    // Polite live region: "Connecting…" and the pairing result are read out as they come.
    <section class="card invite" data-testid="invite" aria-live="polite">
      <h3>Pair a device</h3>
      {phase.phase === 'paired' ? (
        <PairingResult result={phase.result} />
      ) : (
        <>
          <p>On the other device, open Tandem and scan this code, or open the link.</p>
          <img
            class="qr"
            src={qr}
            alt="QR code of the pairing link"
            width={240}
            height={240}
            data-testid="invite-qr"
          />
          <p class="link-row">
            <input readOnly value={invite.link} data-testid="invite-link" aria-label="Pairing link" />
            <button type="button" onClick={copy}>
              {copied ? 'Copied' : 'Copy'}
            </button>
          </p>
          <p class="hint" data-testid="invite-status">
            {phase.phase === 'waiting'
              ? `Waiting for the other device… The link works once, until ${new Date(invite.expiresAt).toLocaleTimeString()}.`
              : phase.phase === 'connecting'
                ? 'Connecting…'
                : ''}
          </p>
          {phase.phase === 'failed' && (
            <p class="error" role="alert" data-testid="invite-error">
              Pairing failed: {phase.message}
            </p>
          )}
        </>
      )}
      <button type="button" onClick={onClose}>
        {phase.phase === 'paired' ? 'Done' : 'Cancel'}
      </button>
    </section>
  );
}
