/**
 * A page opened from a pairing link (`…/#pair=<room>.<secret>`): takes the fragment and
 * removes it from the address bar and history, so the secret is not left lying around
 * (bookmarks, shared screenshots, the back button).
 */
export function takePairingFragment(): string | undefined {
  const hash = location.hash;
  if (!hash.startsWith('#pair=')) return undefined;
  history.replaceState(history.state, '', location.pathname + location.search);
  return hash;
}
