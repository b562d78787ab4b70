import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { RequestClaims } from '@libs/core/request-claim';
import { UnitOfWork } from '@libs/core/unit-of-work';
import { ErrorNotifier } from '../../notification/application/ports/error-notifier';
import { balanceNotFound } from '../domain/balance.errors';
import {
  HistoricalBalance,
  HistoryInstant,
  parseFromSource,
  parseHistoryTimestamp,
} from '../domain/balance-history';
import { BalanceHistory } from './ports/balance-history';
import { BalanceRepository } from './ports/balance.repository';

export interface BalanceAt {
  balance: HistoricalBalance;
  instant: HistoryInstant;
  fromSource: boolean;
}

/** `GET /balances/:id/at`: a balance as its applied rows make it at an instant. */
@Injectable()
export class BalanceAtUseCase {
  constructor(
    private readonly balances: BalanceRepository,
    private readonly history: BalanceHistory,
    private readonly clock: Clock,
  ) {}

  /** @throws DomainError BAL_INVALID_TIMESTAMP, BAL_NOT_FOUND. */
  async execute(balanceId: string, timestamp: unknown, fromSourceRaw: unknown): Promise<BalanceAt> {
    const instant = parseHistoryTimestamp(timestamp, this.clock.now());
    const fromSource = parseFromSource(fromSourceRaw);
    const b = await this.balances.findById(balanceId);
    if (!b) throw balanceNotFound(balanceId);
    const { credit, debit } = await this.history.settledAt(balanceId, instant.text, fromSource);
    return {
      balance: {
        balanceId,
        currency: b.currency,
        balance: credit - debit,
        creditBalance: credit,
        debitBalance: debit,
      },
      instant,
      fromSource,
    };
  }
}

/**
 * Daily snapshots of every balance (`POST /balances-snapshots`, and the schedule of
 * `BalanceSnapshotJob`). One batch per database transaction; several processes may run at once
 * (their batches take turns, and a balance gets one snapshot a day whoever takes it).
 */
@Injectable()
export class BalanceSnapshotsUseCase implements OnApplicationShutdown {
  private readonly logger = new Logger('BalanceSnapshots');
  private running: Promise<number> | null = null;
  private stopping = false;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly history: BalanceHistory,
    private readonly clock: Clock,
    private readonly notifier: ErrorNotifier,
  ) {}

  /**
   * Snapshots every balance that has none on the UTC day of `at` (default now), as of `at`;
   * returns how many were written. A run stopped by shutdown (or `stop`) ends after its batch.
   */
  async run(
    batchSize: number,
    at: Date = this.clock.now(),
    stop: () => boolean = () => false,
  ): Promise<number> {
    let after = '';
    let written = 0;
    while (!this.stopping && !stop()) {
      const batch = await this.uow.run((tx) =>
        this.history.snapshotBatch(tx, after, batchSize, at),
      );
      written += batch.written;
      if (batch.picked < batchSize || batch.last === null) break;
      after = batch.last;
    }
    return written;
  }

  /**
   * Starts a run in the background unless one is going on in this process (it covers the same
   * balances); a failure is logged and reported, never thrown at the caller.
   */
  startInBackground(batchSize: number): void {
    if (this.running || this.stopping) return;
    // The run belongs to no request: started from one sent with an Idempotency-Key, it would
    // otherwise take that key in its first batch (the answer then has no place, a retry meets
    // 409) or find it taken by the answer and fail.
    this.running = RequestClaims.run(undefined, () => this.run(batchSize))
      .catch((e: unknown) => {
        this.logger.error(`balance snapshots failed: ${e instanceof Error ? e.message : e}`);
        this.notifier.notify(e, 'balance snapshots failed');
        return 0;
      })
      .finally(() => (this.running = null));
  }

  /** Resolves when no background run of this process is going on. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Lets a background run finish its batch before the database goes away. */
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.idle();
  }
}
