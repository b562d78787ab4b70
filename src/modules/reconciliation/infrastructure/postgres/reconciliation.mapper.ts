import type { Criterion, MatchingRule } from '../../domain/matching-rule';
import type {
  MatchRecord,
  Reconciliation,
  RunStatus,
  Strategy,
  UnmatchedRecord,
} from '../../domain/reconciliation';

export interface RuleRow {
  rule_id: string;
  name: string;
  description: string;
  criteria: Criterion[];
  created_at: Date;
  updated_at: Date;
}

export const ruleOf = (r: RuleRow): MatchingRule => ({
  ruleId: r.rule_id,
  name: r.name,
  description: r.description,
  criteria: r.criteria,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** A rule as a run keeps it (JSON), and back: dates as ISO strings. */
export const ruleJson = (r: MatchingRule) => ({
  ...r,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

export const ruleFromJson = (j: Record<string, unknown>): MatchingRule => ({
  ...(j as unknown as MatchingRule),
  createdAt: new Date(j.createdAt as string),
  updatedAt: new Date(j.updatedAt as string),
});

export interface RunRow {
  reconciliation_id: string;
  upload_id: string;
  strategy: string;
  grouping_criteria: string;
  rules: Record<string, unknown>[];
  dry_run: boolean;
  status: string;
  total: number;
  processed: number;
  matched: number;
  unmatched: number;
  checkpoint: string;
  attempts: number;
  groups_ready: boolean;
  error: string | null;
  started_at: Date;
  running_since: Date | null;
  completed_at: Date | null;
}

export const RUN_COLUMNS =
  'reconciliation_id, upload_id, strategy, grouping_criteria, rules, dry_run, status, total, ' +
  'processed, matched, unmatched, checkpoint::text AS checkpoint, attempts, groups_ready, error, ' +
  'started_at, running_since, completed_at';

export const runOf = (r: RunRow): Reconciliation => ({
  reconciliationId: r.reconciliation_id,
  uploadId: r.upload_id,
  strategy: r.strategy as Strategy,
  groupingCriteria: r.grouping_criteria,
  rules: r.rules.map(ruleFromJson),
  dryRun: r.dry_run,
  status: r.status as RunStatus,
  total: r.total,
  processed: r.processed,
  matched: r.matched,
  unmatched: r.unmatched,
  checkpoint: BigInt(r.checkpoint),
  attempts: r.attempts,
  groupsReady: r.groups_ready,
  error: r.error,
  startedAt: r.started_at,
  runningSince: r.running_since,
  completedAt: r.completed_at,
});

export interface MatchRow {
  external_seq: string;
  external_id: string;
  internal_transaction_id: string;
  amount: string;
  date: Date;
  rule_id: string;
}

export const matchOf = (r: MatchRow): MatchRecord => ({
  externalSeq: BigInt(r.external_seq),
  externalId: r.external_id,
  internalTransactionId: r.internal_transaction_id,
  amount: r.amount,
  date: r.date,
  ruleId: r.rule_id,
});

export const unmatchedOf = (r: { external_seq: string; external_id: string }): UnmatchedRecord => ({
  externalSeq: BigInt(r.external_seq),
  externalId: r.external_id,
});

const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/** Microseconds since the epoch as an ISO timestamp PostgreSQL reads exactly. */
export function microsToIso(us: bigint): string {
  const ms = floorDiv(us, 1000n);
  const rest = us - ms * 1000n;
  const iso = new Date(Number(ms)).toISOString(); // ...SS.mmmZ
  return iso.slice(0, -1) + rest.toString().padStart(3, '0') + 'Z';
}

/** The date bounds of a batch of searches as two arrays of timestamps (null: no bound). */
export function dateBoundArrays(
  bounds: { dateLowMicros?: bigint; dateHighMicros?: bigint }[],
): [(string | null)[], (string | null)[]] {
  const at = (us?: bigint) => (us !== undefined ? microsToIso(us) : null);
  return [bounds.map((b) => at(b.dateLowMicros)), bounds.map((b) => at(b.dateHighMicros))];
}
