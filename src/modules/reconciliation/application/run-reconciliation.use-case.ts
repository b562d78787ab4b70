import { Injectable } from '@nestjs/common';
import { UnitOfWork, Tx } from '@libs/core/unit-of-work';
import {
  boundingDrifts,
  candidateBounds,
  compareDecimals,
  matchingRule,
  secondsToMicros,
  WidestDrifts,
  widestDrifts,
} from '../domain/matching';
import type { MatchingRule } from '../domain/matching-rule';
import type { MatchRecord, Reconciliation, UnmatchedRecord } from '../domain/reconciliation';
import { BatchResult, manyToOne, oneToMany } from './group-strategies';
import { CandidateQuery, InternalTransactions } from './ports/internal-transactions';
import { MatchGroups } from './ports/match-groups';
import { ExternalRow, ReconciliationRepository } from './ports/reconciliation.repository';
import { ReconciliationSettings } from './reconciliation-settings';

/** Candidates fetched per external row and page (more pages while none of them matches). */
export const CANDIDATE_PAGE = 50;
/** one_to_one's first page: most rows match one of their first few candidates. */
export const FIRST_PAGE = 8;

class LeaseLost extends Error {}

export type { BatchResult };

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
    private readonly groups: MatchGroups,
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
    if (run.strategy !== 'one_to_one' && !run.groupsReady) {
      // The groups first, in a step of their own: a resumed run finds them made.
      if (!(await this.groups.prepareGroups(tx, run, owner))) throw new LeaseLost();
      return { ...run, groupsReady: true };
    }
    const step = await this.match(tx, run);
    if (!step) {
      if (!(await this.runs.finish(tx, run.reconciliationId, owner))) throw new LeaseLost();
      return null;
    }
    const { result, checkpoint } = step;
    if (!run.dryRun) {
      await this.runs.recordMatches(tx, run.reconciliationId, result.matches);
      await this.runs.recordUnmatched(tx, run.reconciliationId, result.unmatched);
    }
    const matched = new Set(result.matches.map((m) => m.externalSeq)).size;
    const by = {
      checkpoint,
      processed: matched + result.unmatched.length,
      matched,
      unmatched: result.unmatched.length,
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

  /**
   * The next batch matched, and where it ends: external rows (seq) for one_to_one and
   * one_to_many, groups of external rows (ordinal) for many_to_one; null when none is left.
   */
  private async match(
    tx: Tx,
    run: Reconciliation,
  ): Promise<{ result: BatchResult; checkpoint: bigint } | null> {
    const { batchSize } = this.settings;
    const id = run.reconciliationId;
    if (run.strategy === 'many_to_one') {
      const groups = await this.groups.groupsAfter(tx, id, run.checkpoint, batchSize);
      if (!groups.length) return null;
      const result = await manyToOne(tx, this.internal, id, run.rules, groups, CANDIDATE_PAGE);
      await this.groups.claim(tx, id, result.claimed);
      return { result, checkpoint: groups[groups.length - 1].ordinal };
    }
    const rows = await this.runs.externalRows(tx, run.uploadId, run.checkpoint, batchSize);
    if (!rows.length) return null;
    const checkpoint = rows[rows.length - 1].seq;
    if (run.strategy === 'one_to_many') {
      const result = await oneToMany(tx, this.groups, id, run.rules, rows, CANDIDATE_PAGE);
      await this.groups.consumeGroups(tx, id, result.consumed);
      return { result, checkpoint };
    }
    return { result: await oneToOne(tx, this.internal, run.rules, rows), checkpoint };
  }
}

const unmatchedOf = (r: ExternalRow): UnmatchedRecord => ({
  externalSeq: r.seq,
  externalId: r.externalId,
});

/**
 * Whether some rule accepts every candidate the SQL search returns: all its criteria are amount
 * `equals` at least as wide as the exact amount filter, or date `equals` at least as wide as the
 * window. Then the first candidate is the match and a page of one is enough (a row whose page of
 * one is refused still asks for the next page: this only saves rows sent, never decides).
 */
export function decidedBySearch(
  rules: readonly MatchingRule[],
  exact: string | undefined,
  window: WidestDrifts,
): boolean {
  return rules.some((r) =>
    r.criteria.every((c) => {
      if (c.operator !== 'equals') return false;
      if (c.field === 'amount') return exact !== undefined && compareDecimals(c.drift, exact) >= 0;
      if (c.field === 'date')
        return window.dateMicros !== undefined && secondsToMicros(c.drift) >= window.dateMicros;
      return false;
    }),
  );
}

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
  // When every rule bounds the amount, a candidate must be within the widest of those bounds
  // exactly: filtered in SQL, so the rows that cannot match never leave the database.
  const exact = boundingDrifts(rules).amount;
  const matches: MatchRecord[] = [];
  const unmatched: UnmatchedRecord[] = [];
  let pending = rows.map((row) => ({
    row,
    query: {
      currency: row.currency,
      bounds: candidateBounds(row, drifts),
      ...(exact !== undefined ? { within: { amount: row.amount, drift: exact } } : {}),
    } as CandidateQuery,
  }));
  let limit = decidedBySearch(rules, exact, drifts) ? 1 : FIRST_PAGE;
  while (pending.length) {
    const pages = await internal.candidates(
      tx,
      pending.map((p) => p.query),
      limit,
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
      if (page.length < limit) unmatched.push(unmatchedOf(p.row));
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
    limit = CANDIDATE_PAGE;
  }
  matches.sort((a, b) => (a.externalSeq < b.externalSeq ? -1 : 1));
  return { matches, unmatched };
}
