import { Injectable } from '@nestjs/common';
import { UnitOfWork, Tx } from '@libs/core/unit-of-work';
import { candidateBounds, matchingRule, widestDrifts } from '../domain/matching';
import type { MatchingRule } from '../domain/matching-rule';
import type { MatchRecord, Reconciliation, UnmatchedRecord } from '../domain/reconciliation';
import { CandidateQuery, InternalTransactions } from './ports/internal-transactions';
import { ExternalRow, ReconciliationRepository } from './ports/reconciliation.repository';
import { ReconciliationSettings } from './reconciliation-settings';

/** Candidates fetched per external row and page (more pages while none of them matches). */
export const CANDIDATE_PAGE = 50;

class LeaseLost extends Error {}

export interface BatchResult {
  matches: MatchRecord[];
  unmatched: UnmatchedRecord[];
}

/**
 * A run, batch by batch (reference §8.3, §8.4). Each batch is one database transaction: the
 * external rows after the checkpoint, their candidates (one statement for the batch), the
 * results, and the checkpoint moved, conditional on the lease still being this worker's. A crash
 * loses at most the batch under way, which the next lease redoes; nothing is recorded twice.
 */
@Injectable()
export class RunReconciliationUseCase {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly runs: ReconciliationRepository,
    private readonly internal: InternalTransactions,
    private readonly settings: ReconciliationSettings,
  ) {}

  lease(owner: string): Promise<Reconciliation | null> {
    return this.runs.lease(owner, this.settings.leaseMs);
  }

  /** Gives the lease back without counting an attempt (a worker stopping). */
  async giveBack(run: Reconciliation, owner: string): Promise<void> {
    await this.runs.giveBack(run.reconciliationId, owner);
  }

  /**
   * One batch of `run` (leased by `owner`). Returns the run as it now stands, or null once it is
   * over (completed, failed, or taken over by another worker).
   */
  async step(run: Reconciliation, owner: string): Promise<Reconciliation | null> {
    try {
      return await this.uow.run((tx) => this.batch(tx, run, owner));
    } catch (e) {
      if (e instanceof LeaseLost) return null;
      const attempts = await this.runs.release(run.reconciliationId, owner);
      if (attempts >= this.settings.maxAttempts) {
        await this.uow.run((tx) =>
          this.runs.finish(tx, run.reconciliationId, null, (e as Error).message ?? 'failed'),
        );
      }
      return null;
    }
  }

  private async batch(tx: Tx, run: Reconciliation, owner: string): Promise<Reconciliation | null> {
    const rows = await this.runs.externalRows(
      tx,
      run.uploadId,
      run.checkpoint,
      this.settings.batchSize,
    );
    if (!rows.length) {
      if (!(await this.runs.finish(tx, run.reconciliationId, owner))) throw new LeaseLost();
      return null;
    }
    const result = await this.match(tx, run, rows);
    if (!run.dryRun) {
      await this.runs.recordMatches(tx, run.reconciliationId, result.matches);
      await this.runs.recordUnmatched(tx, run.reconciliationId, result.unmatched);
    }
    const matched = new Set(result.matches.map((m) => m.externalSeq)).size;
    const by = {
      checkpoint: rows[rows.length - 1].seq,
      processed: rows.length,
      matched,
      unmatched: rows.length - matched,
    };
    const ok = await this.runs.advance(
      tx,
      run.reconciliationId,
      owner,
      run.checkpoint,
      by,
      this.settings.leaseMs,
    );
    if (!ok) throw new LeaseLost();
    return {
      ...run,
      status: 'in_progress',
      checkpoint: by.checkpoint,
      processed: run.processed + by.processed,
      matched: run.matched + by.matched,
      unmatched: run.unmatched + by.unmatched,
    };
  }

  private match(tx: Tx, run: Reconciliation, rows: ExternalRow[]): Promise<BatchResult> {
    switch (run.strategy) {
      case 'one_to_one':
        return oneToOne(tx, this.internal, run.rules, rows);
      default:
        // The group strategies are not built yet: nothing matches (as Blnk's unknown strategy).
        return Promise.resolve({ matches: [], unmatched: rows.map(unmatchedOf) });
    }
  }
}

const unmatchedOf = (r: ExternalRow): UnmatchedRecord => ({
  externalSeq: r.seq,
  externalId: r.externalId,
});

/**
 * one_to_one (reference §8.3): each external row against its candidates in created_at order, the
 * first that satisfies a rule wins; an internal transaction may be matched by several external
 * rows. Candidates come a page per row at a time, all rows of the batch in one statement, and
 * only rows still without a match ask for the next page.
 */
export async function oneToOne(
  tx: Tx,
  internal: InternalTransactions,
  rules: MatchingRule[],
  rows: ExternalRow[],
): Promise<BatchResult> {
  const drifts = widestDrifts(rules);
  const matches: MatchRecord[] = [];
  const unmatched: UnmatchedRecord[] = [];
  let pending = rows.map((row) => ({
    row,
    query: { currency: row.currency, bounds: candidateBounds(row, drifts) } as CandidateQuery,
  }));
  while (pending.length) {
    const pages = await internal.candidates(
      tx,
      pending.map((p) => p.query),
      CANDIDATE_PAGE,
    );
    const next: typeof pending = [];
    pending.forEach((p, i) => {
      const page = pages[i];
      for (const c of page) {
        const rule = matchingRule(rules, p.row, c);
        if (rule) {
          matches.push({
            externalSeq: p.row.seq,
            externalId: p.row.externalId,
            internalTransactionId: c.transactionId,
            amount: p.row.amount,
            date: new Date(Number(p.row.dateMicros / 1000n)),
            ruleId: rule.ruleId,
          });
          return;
        }
      }
      if (page.length < CANDIDATE_PAGE) unmatched.push(unmatchedOf(p.row));
      else {
        const last = page[page.length - 1];
        next.push({
          row: p.row,
          query: {
            ...p.query,
            after: { dateMicros: last.dateMicros, transactionId: last.transactionId },
          },
        });
      }
    });
    pending = next;
  }
  matches.sort((a, b) => (a.externalSeq < b.externalSeq ? -1 : 1));
  return { matches, unmatched };
}
