import { DomainError } from './domain-error';
import { RequestClaim, RequestClaims } from './request-claim';

export type Outcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface GroupCommitOptions<I, O> {
  /** Most requests in one batch. */
  maxBatch: number;
  /** Batches in flight at once (each holds one database connection). */
  maxConcurrent: number;
  /** Applies many requests in one database transaction, with an outcome for each. */
  runBatch(inputs: I[]): Promise<Outcome<O>[]>;
  /** Applies one request on its own: the path a lone request takes, and the fallback. */
  runOne(input: I): Promise<O>;
  /** Most requests waiting for a slot; past it, a request is refused at once (0 = no bound). */
  maxWaiting?: number;
  /** Told when a whole batch failed (its requests are then retried one by one). */
  onBatchError?(error: unknown, size: number): void;
}

interface Waiting<I, O> {
  input: I;
  resolve(value: O): void;
  reject(error: unknown): void;
  /** The request's Idempotency-Key claim: it runs alone, in its own context. */
  claim?: RequestClaim;
}

/**
 * Group commit: requests that arrive while earlier batches are being written wait, and are then
 * written together, in one database transaction, in arrival order. A request that finds a free
 * slot runs at once, alone, so an idle server adds no delay; under load, round trips and commits
 * are shared by a whole batch instead of paid per request. If a batch fails as a whole (a
 * statement failed, which aborts the database transaction), every request in it is retried on
 * its own, one after the other in the batch's slot, so one request's failure never becomes
 * another's. The waiting line is bounded, so a stalled database turns into quick refusals rather
 * than an unbounded pile of requests in memory.
 */
export class GroupCommit<I, O> {
  private readonly waiting: Waiting<I, O>[] = [];
  private running = 0;

  constructor(private readonly opts: GroupCommitOptions<I, O>) {}

  submit(input: I): Promise<O> {
    const bound = this.opts.maxWaiting ?? 0;
    if (bound > 0 && this.waiting.length >= bound) {
      return Promise.reject(
        new DomainError(
          'QUEUE_BACKPRESSURE',
          'too many requests are waiting for the database, try again later',
        ),
      );
    }
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject, claim: RequestClaims.pending() });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.opts.maxConcurrent && this.waiting.length) {
      const batch = this.waiting.splice(0, this.batchLength());
      this.running++;
      void this.run(batch).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  /**
   * A request with a claim (an Idempotency-Key) is never batched: its key is recorded in the
   * database transaction of its own effect, and a batch's transaction is shared by requests that
   * each commit or are refused on their own.
   */
  private batchLength(): number {
    const end = Math.min(this.opts.maxBatch, this.waiting.length);
    if (this.waiting[0].claim) return 1;
    for (let i = 1; i < end; i++) if (this.waiting[i].claim) return i;
    return end;
  }

  private async run(batch: Waiting<I, O>[]): Promise<void> {
    if (batch.length > 1) {
      let outcomes: Outcome<O>[] | undefined;
      try {
        // Whichever request started this batch, the batch belongs to none of them.
        const inputs = batch.map((w) => w.input);
        outcomes = await RequestClaims.run(undefined, () => this.opts.runBatch(inputs));
      } catch (e) {
        this.opts.onBatchError?.(e, batch.length);
        outcomes = undefined;
      }
      if (outcomes) {
        outcomes.forEach((o, i) => (o.ok ? batch[i].resolve(o.value) : batch[i].reject(o.error)));
        return;
      }
    }
    // One after the other, in arrival order: the batch holds one slot (one connection), and its
    // fallback must not take more than that.
    for (const w of batch) {
      try {
        // In the request's own context: its claim, or none (not the one that started the slot).
        w.resolve(await RequestClaims.run(w.claim, () => this.opts.runOne(w.input)));
      } catch (e) {
        w.reject(e);
      }
    }
  }
}
