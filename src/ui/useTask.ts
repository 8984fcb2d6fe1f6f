/**
 * A control's asynchronous work: `busy` while it runs (controls disable themselves on it),
 * then what came of it to `done` or `failed`. One task at a time: a second `run` while one
 * runs is ignored, so a double click cannot start the same change twice.
 */
import { useRef, useState } from 'preact/hooks';

export interface Task {
  readonly busy: boolean;
  run<T>(task: () => Promise<T>, done?: (value: T) => void, failed?: (error: Error) => void): void;
}

export function useTask(): Task {
  const [busy, setBusy] = useState(false);
  // The state lags a render behind; the ref stops a second run within the same one.
  const running = useRef(false);
  return {
    busy,
    run(task, done, failed) {
      if (running.current) return;
      running.current = true;
      setBusy(true);
      const end = () => {
        running.current = false;
        setBusy(false);
      };
      task().then(
        (value) => {
          end();
          done?.(value);
        },
        (error: Error) => {
          end();
          failed?.(error);
        },
      );
    },
  };
}
