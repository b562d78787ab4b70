/**
 * One drain loop per lane, shared by the queue adapters. A wake-up while the lane drains marks it
 * and the loop goes round once more after the current pass, so a burst of wake-ups costs one or
 * two drains and none that arrives after a drain's last look is lost. `wake` resolves when a
 * drain that began after the call has finished.
 *
 * At most `concurrency` lanes drain at once in this process (`queue.transaction_worker_concurrency`);
 * the others wait their turn in arrival order, and a lane that has drained goes to the back of
 * that line before its next pass. Waiting is what makes batches grow with the load: work accepted
 * meanwhile joins the lane's next batch, which pays its lock, reads and writes once for all of it,
 * instead of every lane running a batch of one or two transfers at the same time against the
 * same few cores. Idle, a wake-up finds a free slot and drains at once.
 */
/** One lane's loop while it runs; the map holds it from before its first step to its last. */
interface Loop {
  done: Promise<void>;
}

export class DrainLoops {
  private readonly running = new Map<number, Loop>();
  private readonly dirty = new Set<number>();
  private free: number;
  private readonly line: (() => void)[] = [];

  constructor(
    private readonly drain: (lane: number) => Promise<void>,
    /** A failed pass: the work stays in the database and a later wake-up or the sweep retries. */
    private readonly onError: (lane: number, error: unknown) => void,
    private readonly active: () => boolean = () => true,
    concurrency = Infinity,
  ) {
    if (!(concurrency >= 1))
      throw new Error(`drain concurrency must be at least 1: ${concurrency}`);
    this.free = concurrency;
  }

  wake(lane: number): Promise<void> {
    this.dirty.add(lane);
    const current = this.running.get(lane);
    if (current) return current.done;
    const loop = {} as Loop;
    this.running.set(lane, loop);
    loop.done = this.loop(lane, loop);
    return loop.done;
  }

  /** Resolves when every loop has stopped. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((l) => l.done));
  }

  private async loop(lane: number, self: Loop): Promise<void> {
    try {
      // Checked and given up in one synchronous step: a wake-up after it starts a new loop.
      while (this.active() && this.dirty.has(lane)) {
        // A free slot is taken without yielding, so an idle lane starts its pass in wake itself.
        if (this.free > 0) this.free--;
        else await new Promise<void>((r) => this.line.push(r));
        try {
          // Wake-ups while it waited fold into this pass.
          if (!this.active() || !this.dirty.delete(lane)) return;
          try {
            await this.drain(lane);
          } catch (e) {
            this.onError(lane, e);
          }
        } finally {
          this.release();
        }
      }
    } finally {
      if (this.running.get(lane) === self) this.running.delete(lane);
    }
  }

  /** Hands the slot to the longest-waiting lane, or frees it. */
  private release(): void {
    const next = this.line.shift();
    if (next) next();
    else this.free++;
  }
}
