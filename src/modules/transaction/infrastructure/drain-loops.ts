/**
 * One drain loop per lane, shared by the queue adapters. A wake-up while the lane drains marks it
 * and the loop goes round once more after the current pass, so a burst of wake-ups costs one or
 * two drains and none that arrives after a drain's last look is lost. `wake` resolves when a
 * drain that began after the call has finished.
 */
export class DrainLoops {
  private readonly running = new Map<number, Promise<void>>();
  private readonly dirty = new Set<number>();

  constructor(
    private readonly drain: (lane: number) => Promise<void>,
    /** A failed pass: the work stays in the database and a later wake-up or the sweep retries. */
    private readonly onError: (lane: number, error: unknown) => void,
    private readonly active: () => boolean = () => true,
  ) {}

  wake(lane: number): Promise<void> {
    this.dirty.add(lane);
    let loop = this.running.get(lane);
    if (!loop) {
      loop = (async () => {
        while (this.active() && this.dirty.delete(lane)) {
          try {
            await this.drain(lane);
          } catch (e) {
            this.onError(lane, e);
          }
        }
      })().finally(() => this.running.delete(lane));
      this.running.set(lane, loop);
    }
    return loop;
  }

  /** Resolves when every loop has stopped. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }
}
