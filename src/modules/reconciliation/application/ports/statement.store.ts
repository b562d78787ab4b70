import type { RowError } from '../../domain/reconciliation.errors';
import type { StatementRow } from '../../domain/statement';

export interface StoredUpload {
  uploadId: string;
  source: string;
  recordCount: number;
  /** True when the same statement was uploaded before: `uploadId` is that upload's. */
  existing: boolean;
}

/**
 * One upload being written: rows are staged as they stream in, in one database transaction that
 * `finish` commits and `abort` rolls back, so a refused file leaves nothing.
 */
export abstract class StatementWriter {
  abstract stage(rows: StatementRow[]): Promise<void>;
  /**
   * Stores the staged rows as upload `uploadId` of `source`, or answers the earlier upload of
   * the same statement (same source, ids and content). Refuses (and rolls back) a file whose
   * ids repeat, or that holds an id of `source` stored before with other content or in another
   * upload.
   * @throws DomainError RECON_UPLOAD_FAILED with the faulty rows.
   */
  abstract finish(uploadId: string, source: string, digest: string): Promise<StoredUpload>;
  abstract abort(): Promise<void>;
}

export abstract class StatementStore {
  abstract open(): Promise<StatementWriter>;
  /** Number of rows of an upload, or null when there is no such upload. */
  abstract countOf(uploadId: string): Promise<number | null>;
}

export type { RowError };
