import type { CollectionName } from './collections';
import { queryInvalid } from './search.errors';

/**
 * A reindex run (reference §2.9): the Typesense collections dropped and rebuilt from PostgreSQL
 * in batches. Phases follow the indexing order of reference §12 (what a document names is
 * written before it); `position` is the resume point inside the phase.
 */
export const REINDEX_ORDER: CollectionName[] = [
  'ledgers',
  'identities',
  'balances',
  'transactions',
  'reconciliations',
];

export const DROPPING = 'dropping_collections';
export const COMPLETED = 'completed';
export const phaseOf = (c: CollectionName) => `indexing_${c}`;

export type ReindexStatus = 'in_progress' | 'completed' | 'failed';

export interface ReindexRun {
  status: ReindexStatus;
  phase: string;
  totalRecords: number;
  processedRecords: number;
  errors: string[];
  batchSize: number;
  position: string;
  startedAt: Date;
  completedAt?: Date;
  pausedAt?: Date;
  pauseReason?: string;
}

/** The collection a phase writes, if it writes one. */
export function collectionOf(phase: string): CollectionName | undefined {
  return REINDEX_ORDER.find((c) => phaseOf(c) === phase);
}

/** The phase after `phase`; COMPLETED after the last collection. */
export function nextPhase(phase: string): string {
  if (phase === DROPPING) return phaseOf(REINDEX_ORDER[0]);
  const i = REINDEX_ORDER.findIndex((c) => phaseOf(c) === phase);
  return i >= 0 && i + 1 < REINDEX_ORDER.length ? phaseOf(REINDEX_ORDER[i + 1]) : COMPLETED;
}

export const DEFAULT_BATCH_SIZE = 1000;
export const MAX_BATCH_SIZE = 10_000;

/**
 * `{"batch_size": n}`, optional (default 1000). Blnk clamps a bad size silently; a size that is
 * not a whole number from 1 to 10000 is refused here, naming the parameter.
 * @throws DomainError SRCH_QUERY_INVALID
 */
export function parseReindexRequest(body: unknown): { batchSize: number } {
  if (body === undefined || body === null) return { batchSize: DEFAULT_BATCH_SIZE };
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw queryInvalid('body', 'must be an object such as {"batch_size": 1000}');
  }
  const { batch_size, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw queryInvalid(unknown[0], 'unknown parameter (only batch_size)');
  if (batch_size === undefined || batch_size === null) return { batchSize: DEFAULT_BATCH_SIZE };
  const n =
    typeof batch_size === 'string' && /^\d+$/.test(batch_size) ? Number(batch_size) : batch_size;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_BATCH_SIZE) {
    throw queryInvalid('batch_size', `must be a whole number from 1 to ${MAX_BATCH_SIZE}`);
  }
  return { batchSize: n };
}

/** Progress as reference §2.9 shows it (counts are record counts, never money). */
export interface ReindexProgress {
  status: ReindexStatus;
  phase: string;
  total_records: number;
  processed_records: number;
  errors?: string[];
  started_at: string;
  completed_at?: string;
  paused: boolean;
  pause_reason?: string;
  paused_at?: string;
}

export function progressOf(run: ReindexRun): ReindexProgress {
  const p: ReindexProgress = {
    status: run.status,
    phase: run.phase,
    total_records: run.totalRecords,
    processed_records: run.processedRecords,
    started_at: run.startedAt.toISOString(),
    paused: !!run.pausedAt,
  };
  if (run.errors.length) p.errors = run.errors;
  if (run.completedAt) p.completed_at = run.completedAt.toISOString();
  if (run.pausedAt) {
    p.paused_at = run.pausedAt.toISOString();
    p.pause_reason = run.pauseReason;
  }
  return p;
}
