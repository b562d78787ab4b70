import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { BackgroundJob, pollingLoop } from '@libs/core/background-job';
import { ErrorNotifier } from '../../../notification/application/ports/error-notifier';
import { RunReconciliationUseCase } from '../../application/run-reconciliation.use-case';
import { ReconciliationSettings } from '../../application/reconciliation-settings';
import type { Reconciliation } from '../../domain/reconciliation';

/**
 * Runs reconciliations, one batch a round: leases an open run (SKIP LOCKED, so several worker
 * processes share the runs without taking one twice), then steps it until it is over. Stopping
 * gives the lease back, so another process resumes at the checkpoint at once.
 */
@Injectable()
export class ReconciliationRunJob extends BackgroundJob {
  private readonly owner = `worker_${randomUUID()}`;
  private current: Reconciliation | null = null;

  constructor(
    private readonly runs: RunReconciliationUseCase,
    private readonly settings: ReconciliationSettings,
    private readonly notifier: ErrorNotifier,
  ) {
    super();
  }

  /** One batch of the leased run (a new lease when none); false when there is no open run. */
  async round(): Promise<boolean> {
    this.current ??= await this.runs.lease(this.owner);
    if (!this.current) return false;
    this.current = await this.runs.step(this.current, this.owner);
    return true;
  }

  async start(): Promise<() => Promise<void>> {
    const stop = pollingLoop(
      () => this.round(),
      () => this.settings.pollIntervalMs,
      (e) => this.notifier.notify(e, 'reconciliation run'),
    );
    return async () => {
      await stop();
      if (this.current) await this.runs.giveBack(this.current, this.owner);
      this.current = null;
    };
  }
}
