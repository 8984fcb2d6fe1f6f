/** What both devices show once paired: the other's name and the shared verification words. */
import type { PairResult } from '../net/handshakePair.ts';

export function PairingResult({ result }: { result: PairResult }) {
  return (
    <div class="paired" data-testid="paired">
      <p>
        Paired with <strong data-testid="paired-name">{result.peer.name}</strong>.
      </p>
      <p>Check that the other device shows the same words:</p>
      <p class="words" data-testid="paired-words">
        {result.words.join(' ')}
      </p>
    </div>
  );
}
