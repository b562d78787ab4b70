import { rawNumber } from '@libs/core/json';
import { rfc3339 } from '@libs/http/time';
import type { MatchingRule } from '../../domain/matching-rule';
import {
  etaSeconds,
  MatchRecord,
  Reconciliation,
  UnmatchedRecord,
} from '../../domain/reconciliation';
import type { StoredUpload } from '../../application/ports/statement.store';

export const presentRule = (r: MatchingRule) => ({
  rule_id: r.ruleId,
  created_at: rfc3339(r.createdAt),
  updated_at: rfc3339(r.updatedAt),
  name: r.name,
  description: r.description,
  criteria: r.criteria.map((c) => ({
    field: c.field,
    operator: c.operator,
    value: c.value,
    pattern: c.pattern,
    allowable_drift: rawNumber(c.drift),
  })),
});

export const presentUpload = (u: StoredUpload) => ({
  upload_id: u.uploadId,
  record_count: u.recordCount,
  source: u.source,
});

/** Blnk's fields (reference §2.10), and Neraca's: strategy, progress, eta_seconds. */
export const presentReconciliation = (r: Reconciliation, now: Date) => ({
  reconciliation_id: r.reconciliationId,
  upload_id: r.uploadId,
  status: r.status,
  matched_transactions: r.matched,
  unmatched_transactions: r.unmatched,
  is_dry_run: r.dryRun,
  started_at: rfc3339(r.startedAt),
  completed_at: r.completedAt ? rfc3339(r.completedAt) : null,
  strategy: r.strategy,
  progress: { processed: r.processed, total: r.total },
  eta_seconds: etaSeconds(r, now),
});

export const presentMatch = (m: MatchRecord) => ({
  external_transaction_id: m.externalId,
  internal_transaction_id: m.internalTransactionId,
  amount: rawNumber(m.amount),
  date: rfc3339(m.date),
  rule_id: m.ruleId,
});

export const presentUnmatched = (u: UnmatchedRecord) => ({ external_transaction_id: u.externalId });
