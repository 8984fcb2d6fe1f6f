/**
 * Settings: this device's name, the ICE servers (STUN/TURN) and the signaling relay. Each
 * is validated before it is saved (src/app/settings.ts); network changes apply when the
 * page reloads, which "Apply and reconnect" does, so the panel says what is still pending.
 */
import { useState } from 'preact/hooks';
import { MAX_ICE_SERVERS, type IceServer, type SettingsService } from '../app/settings.ts';
import type { NetworkService } from '../net/sessionHost.ts';
import { useNetwork, useSettings } from './services.ts';
import { useTask } from './useTask.ts';

export function SettingsPanel() {
  const network = useNetwork();
  const settings = useSettings();
  const [renamed, setRenamed] = useState(false);
  if (typeof network === 'string' || network.name === undefined) return null;
  return (
    <section class="panel settings" data-testid="settings" aria-labelledby="settings-heading">
      <h2 id="settings-heading">Settings</h2>
      <NameForm network={network} onRenamed={() => setRenamed(true)} />
      {settings && (
        <>
          {settings.notes.map((note) => (
            <p key={note} class="error" role="alert" data-testid="settings-note">
              {note}
            </p>
          ))}
          <IceServersForm settings={settings} />
          <SignalingForm settings={settings} />
          <div class="settings-apply">
            {(settings.pending || renamed) && (
              <p class="hint" role="status" data-testid="settings-pending">
                Saved. The changes reach the network when you apply them.
              </p>
            )}
            <button type="button" data-testid="settings-apply" onClick={() => settings.applyAndReconnect()}>
              Apply and reconnect
            </button>
            <p class="hint">
              This reloads the page: connections and transfers under way stop and start again with the saved
              settings. Nothing is lost; partial downloads resume.
            </p>
          </div>
        </>
      )}
    </section>
  );
}

/** A form's outcome: nothing yet, saved, or why not. */
type Outcome = { readonly ok: true } | { readonly ok: false; readonly message: string } | undefined;

function OutcomeText({ outcome, testid, saved }: { outcome: Outcome; testid: string; saved: string }) {
  if (!outcome) return null;
  return outcome.ok ? (
    <p class="hint" role="status" data-testid={`${testid}-saved`}>
      {saved}
    </p>
  ) : (
    <p class="error" role="alert" data-testid={`${testid}-error`}>
      {outcome.message}
    </p>
  );
}

function useSave(): [Outcome, boolean, (task: () => Promise<void>) => void] {
  const [outcome, setOutcome] = useState<Outcome>();
  const task = useTask();
  const run = (work: () => Promise<void>) => {
    setOutcome(undefined);
    task.run(
      work,
      () => setOutcome({ ok: true }),
      (error) => setOutcome({ ok: false, message: error.message }),
    );
  };
  return [outcome, task.busy, run];
}

function NameForm({ network, onRenamed }: { network: NetworkService; onRenamed: () => void }) {
  const [name, setName] = useState(network.name ?? '');
  const [outcome, busy, run] = useSave();
  return (
    <form
      class="settings-form"
      onSubmit={(e) => {
        e.preventDefault();
        run(async () => {
          await network.setName(name);
          onRenamed();
        });
      }}
    >
      <label for="settings-name">This device's name</label>
      <input
        id="settings-name"
        data-testid="settings-name"
        value={name}
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <button type="submit" data-testid="settings-name-save" disabled={busy || name.trim() === network.name}>
        Rename
      </button>
      <OutcomeText
        outcome={outcome}
        testid="settings-name"
        saved="Renamed. Paired devices see the new name when they next connect; Apply and reconnect does that now."
      />
    </form>
  );
}

interface Row {
  readonly urls: string;
  readonly username: string;
  readonly credential: string;
}

const toRows = (servers: readonly IceServer[]): Row[] =>
  servers.map((s) => ({ urls: s.urls, username: s.username ?? '', credential: s.credential ?? '' }));

function IceServersForm({ settings }: { settings: SettingsService }) {
  const [rows, setRows] = useState<Row[]>(() => toRows(settings.saved.iceServers));
  const [outcome, busy, run] = useSave();
  const set = (i: number, change: Partial<Row>) =>
    setRows(rows.map((row, j) => (j === i ? { ...row, ...change } : row)));
  return (
    <form
      class="settings-form ice"
      onSubmit={(e) => {
        e.preventDefault();
        const filled = rows.filter((r) => r.urls.trim() !== '' || r.username !== '' || r.credential !== '');
        run(() =>
          settings.saveIceServers(
            filled.map((r) => ({
              urls: r.urls,
              ...(r.username !== '' ? { username: r.username } : {}),
              ...(r.credential !== '' ? { credential: r.credential } : {}),
            })),
          ),
        );
      }}
    >
      <fieldset>
        <legend>ICE servers (STUN and TURN)</legend>
        <p class="hint">
          None by default: devices then connect only over the network they share (host candidates: one LAN, or
          this computer). Add a STUN server (stun:host:port) to connect across NATs, and a TURN server (turn:
          or turns:, with a username and password) to relay where no direct path works.
        </p>
        {rows.map((row, i) => (
          <div class="ice-row" key={i} data-testid="ice-row">
            <label>
              URL
              <input
                data-testid="ice-url"
                placeholder="stun:stun.example.org:3478"
                spellcheck={false}
                value={row.urls}
                onInput={(e) => set(i, { urls: e.currentTarget.value })}
              />
            </label>
            <label>
              Username
              <input
                data-testid="ice-username"
                autocomplete="off"
                value={row.username}
                onInput={(e) => set(i, { username: e.currentTarget.value })}
              />
            </label>
            <label>
              Password
              <input
                type="password"
                data-testid="ice-credential"
                autocomplete="off"
                value={row.credential}
                onInput={(e) => set(i, { credential: e.currentTarget.value })}
              />
            </label>
            <button type="button" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
              Remove
            </button>
          </div>
        ))}
        <p class="actions">
          <button
            type="button"
            data-testid="ice-add"
            disabled={rows.length >= MAX_ICE_SERVERS}
            onClick={() => setRows([...rows, { urls: '', username: '', credential: '' }])}
          >
            Add a server
          </button>{' '}
          <button type="submit" data-testid="ice-save" disabled={busy}>
            Save ICE servers
          </button>
        </p>
      </fieldset>
      <OutcomeText outcome={outcome} testid="ice" saved="ICE servers saved." />
    </form>
  );
}

function SignalingForm({ settings }: { settings: SettingsService }) {
  const [url, setUrl] = useState(settings.saved.signalingUrl ?? '');
  const [outcome, busy, run] = useSave();
  return (
    <form
      class="settings-form"
      onSubmit={(e) => {
        e.preventDefault();
        run(() => settings.saveSignalingUrl(url));
      }}
    >
      <label for="settings-signaling">Signaling server</label>
      <input
        id="settings-signaling"
        data-testid="settings-signaling"
        placeholder={settings.defaultSignalingUrl}
        spellcheck={false}
        value={url}
        onInput={(e) => setUrl(e.currentTarget.value)}
      />
      <button type="submit" data-testid="settings-signaling-save" disabled={busy}>
        Save
      </button>
      <p class="hint">
        Empty: this page's own server ({settings.defaultSignalingUrl}). Devices meet only through the same
        server, and a pairing link does not carry it: set the same one on every device. In use now:{' '}
        <code>{settings.signalingUrl}</code>.
      </p>
      <OutcomeText outcome={outcome} testid="signaling" saved="Signaling server saved." />
    </form>
  );
}
