import type { MatchingRule } from './matching-rule';

export const STRATEGIES = ['one_to_one', 'one_to_many', 'many_to_one'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** What one_to_many groups internal transactions by, and many_to_one external ones (§8.3). */
export const INTERNAL_GROUPING = [
  'transaction_id',
  'parent_transaction',
  'source',
  'reference',
  'currency',
  'destination',
  'status',
  'created_at',
] as const;
export const EXTERNAL_GROUPING = [
  'id',
  'amount',
  'reference',
  'currency',
  'description',
  'date',
] as const;

export type RunStatus = 'started' | 'in_progress' | 'completed' | 'failed';

export interface Reconciliation {
  reconciliationId: string;
  uploadId: string;
  strategy: Strategy;
  groupingCriteria: string;
  rules: MatchingRule[];
  dryRun: boolean;
  status: RunStatus;
  total: number;
  processed: number;
  matched: number;
  unmatched: number;
  /** seq of the last external row finished (0 = none). */
  checkpoint: bigint;
  attempts: number;
  /** one_to_many / many_to_one: the groups are summarized (done once, before the first batch). */
  groupsReady: boolean;
  error: string | null;
  startedAt: Date;
  runningSince: Date | null;
  completedAt: Date | null;
}

/** A matched pair as listed by GET /reconciliation/:id/matches. */
export interface MatchRecord {
  externalSeq: bigint;
  externalId: string;
  internalTransactionId: string;
  /** The external row's amount and date. */
  amount: string;
  date: Date;
  ruleId: string;
}

export interface UnmatchedRecord {
  externalSeq: bigint;
  externalId: string;
}

/**
 * Seconds left at the pace so far (processed rows over time running), or null when nothing was
 * processed yet or the run is over.
 */
export function etaSeconds(r: Reconciliation, now: Date): number | null {
  if (r.status === 'completed' || r.status === 'failed' || r.processed === 0) return null;
  const elapsed = (now.getTime() - r.startedAt.getTime()) / 1000;
  return Math.max(0, Math.round(((r.total - r.processed) * elapsed) / r.processed));
}
