/**
 * Work a process runs in the background (`neraca workers`, and the API process in embedded
 * mode): draining lanes, the sweep, webhook delivery, sealing, pruning, schedules. Each is a
 * class in `interface/jobs/` of its module; `src/app/background.ts` is the one place that starts
 * them, in order, and stops them, in reverse.
 */
export abstract class BackgroundJob {
  /** Starts the job; the function returned stops it, after the round under way has ended. */
  abstract start(): Promise<() => Promise<void>>;
}

/**
 * The loop most jobs are: runs `round` until stopped, again at once while it reports more work
 * (`true`), else after `waitMs()`. A round that throws is handed to `onError` and the loop goes
 * on after the wait. Stopping wakes a waiting loop and resolves once the round under way ends.
 */
export function pollingLoop(
  round: () => Promise<boolean>,
  waitMs: () => number,
  onError: (e: unknown) => void,
): () => Promise<void> {
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      let more = false;
      try {
        more = await round();
      } catch (e) {
        onError(e);
      }
      if (more || stopped) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, waitMs()).unref();
      });
    }
  })();
  return async () => {
    stopped = true;
    wake?.();
    await loop;
  };
}
