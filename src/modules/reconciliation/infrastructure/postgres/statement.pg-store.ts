import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { isUniqueViolation } from '@libs/persistence/tx';
import {
  StatementStore,
  StatementWriter,
  StoredUpload,
} from '../../application/ports/statement.store';
import { RowError, uploadRefused } from '../../domain/reconciliation.errors';
import type { StatementRow } from '../../domain/statement';

/** Clashing rows a refusal names. */
const NAMED = 10;

/** Staged rows of uploads abandoned mid-stream (the process died) are dropped after this. */
const STALE_STAGING = `interval '1 day'`;

/**
 * An upload as it streams in: each batch of rows goes to `reconciliation_staging` under this
 * upload's staging id in a short statement of its own, so the connection (PGlite's only one, in
 * embedded mode) is free between batches, and the source may arrive after the file in a
 * multipart body. Staged rows are no statement: `finish` checks them against the statements of
 * the same source and copies them, in file order, to `external_transactions` in one transaction
 * that also drops them, so a statement is stored whole or not at all; `abort` drops them.
 */
class PgStatementWriter extends StatementWriter {
  private open = true;
  private qr: QueryRunner | null = null;

  constructor(
    private readonly db: DataSource,
    private readonly staging: string,
  ) {
    super();
  }

  async stage(rows: StatementRow[]): Promise<void> {
    await this.db.query(
      `INSERT INTO reconciliation_staging
         (staging_id, row_no, external_id, amount, currency, reference, description, date)
       SELECT $8, * FROM unnest($1::int[], $2::text[], $3::numeric[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])`,
      [
        rows.map((r) => r.row),
        rows.map((r) => r.externalId),
        rows.map((r) => r.amount),
        rows.map((r) => r.currency),
        rows.map((r) => r.reference),
        rows.map((r) => r.description),
        rows.map((r) => r.date),
        this.staging,
      ],
    );
  }

  async finish(uploadId: string, source: string, digest: string): Promise<StoredUpload> {
    const qr = this.db.createQueryRunner();
    this.qr = qr;
    await qr.connect();
    await qr.startTransaction();
    // The move is tried first: a new statement (the common case) is stored without reading the
    // staged rows twice more. Every refusal below also breaks (source, external_id)'s uniqueness
    // (an id repeated, an id stored before), so the checks run only when the move does, or at
    // once when the first row is stored already (a re-upload: the move would sort every staged
    // row before failing on it).
    let check = await this.firstRowStored(qr, source);
    for (let attempt = 0; ; attempt++) {
      if (check) {
        await this.refuseRepeats(qr);
        const earlier = await this.earlier(qr, source);
        if (earlier) return earlier;
      }
      await qr.query('SAVEPOINT recon_insert');
      try {
        const [{ n }]: { n: number }[] = await qr.query(
          `SELECT count(*)::int AS n FROM reconciliation_staging WHERE staging_id = $1`,
          [this.staging],
        );
        await qr.query(
          `INSERT INTO reconciliation_uploads (upload_id, source, record_count, digest, instant)
           VALUES ($1, $2, $3, $4, $5)`,
          [uploadId, source, n, digest, uploadId.startsWith('instant_')],
        );
        await qr.query(
          `INSERT INTO external_transactions
             (upload_id, external_id, source, amount, currency, reference, description, date)
           SELECT $1, external_id, $2, amount, currency, reference, description, date
             FROM reconciliation_staging WHERE staging_id = $3 ORDER BY row_no`,
          [uploadId, source, this.staging],
        );
        await this.commit();
        return { uploadId, source, recordCount: n, existing: false };
      } catch (e) {
        // Not a clash, or one the checks kept not finding (the same ids committed by a
        // concurrent upload meanwhile are visible to the next statement; looked at twice).
        if (!isUniqueViolation(e) || attempt >= 2) throw e;
        await qr.query('ROLLBACK TO SAVEPOINT recon_insert');
      }
      check = true;
    }
  }

  /** Whether the file's first row has an id already stored for `source`. */
  private async firstRowStored(qr: QueryRunner, source: string): Promise<boolean> {
    const [{ stored }]: { stored: boolean }[] = await qr.query(
      `SELECT EXISTS (
         SELECT 1 FROM external_transactions
          WHERE source = $1
            AND external_id = (SELECT external_id FROM reconciliation_staging
                                WHERE staging_id = $2 ORDER BY row_no LIMIT 1)) AS stored`,
      [source, this.staging],
    );
    return stored;
  }

  /** @throws DomainError RECON_UPLOAD_FAILED naming the ids the file holds more than once. */
  private async refuseRepeats(qr: QueryRunner): Promise<void> {
    const repeated: { external_id: string; rows: number[] }[] = await qr.query(
      `SELECT external_id, array_agg(row_no ORDER BY row_no) AS rows FROM reconciliation_staging
        WHERE staging_id = $1 GROUP BY external_id HAVING count(*) > 1 ORDER BY min(row_no) LIMIT ${NAMED}`,
      [this.staging],
    );
    if (!repeated.length) return;
    throw uploadRefused(
      `the file was refused (nothing was stored): id '${repeated[0].external_id}' is on rows ${repeated[0].rows.join(', ')}`,
      repeated.map((r) => ({
        row: r.rows[1],
        column: 'id',
        id: r.external_id,
        message: `id repeats row ${r.rows[0]}`,
      })),
    );
  }

  /**
   * The earlier upload this file repeats (every row already stored, identical, in one upload of
   * exactly these rows), or null when no row of it is stored yet.
   * @throws DomainError RECON_UPLOAD_FAILED when some rows are stored and the file is not a repeat.
   */
  private async earlier(qr: QueryRunner, source: string): Promise<StoredUpload | null> {
    const [summary]: { clashes: number; changed: number; uploads: string[]; staged: number }[] =
      await qr.query(
        `SELECT count(e.seq)::int AS clashes,
                (count(e.seq) FILTER (WHERE NOT (e.amount = s.amount AND e.currency = s.currency
                  AND e.reference = s.reference AND e.description = s.description AND e.date = s.date)))::int AS changed,
                (array_agg(DISTINCT e.upload_id) FILTER (WHERE e.upload_id IS NOT NULL))[1:2] AS uploads,
                count(*)::int AS staged
           FROM reconciliation_staging s
           LEFT JOIN external_transactions e ON e.source = $1 AND e.external_id = s.external_id
          WHERE s.staging_id = $2`,
        [source, this.staging],
      );
    if (summary.clashes === 0) return null;
    const uploads = summary.uploads ?? [];
    if (summary.changed === 0 && uploads.length === 1 && summary.clashes === summary.staged) {
      const [u]: { record_count: number }[] = await qr.query(
        `SELECT record_count FROM reconciliation_uploads WHERE upload_id = $1`,
        [uploads[0]],
      );
      if (u.record_count === summary.staged) {
        await this.commit();
        return { uploadId: uploads[0], source, recordCount: u.record_count, existing: true };
      }
    }
    const named: { row_no: number; external_id: string; upload_id: string; same: boolean }[] =
      await qr.query(
        `SELECT s.row_no, s.external_id, e.upload_id,
                (e.amount = s.amount AND e.currency = s.currency AND e.reference = s.reference
                  AND e.description = s.description AND e.date = s.date) AS same
           FROM reconciliation_staging s JOIN external_transactions e ON e.source = $1 AND e.external_id = s.external_id
          WHERE s.staging_id = $2
          ORDER BY (e.amount = s.amount AND e.currency = s.currency AND e.reference = s.reference
                  AND e.description = s.description AND e.date = s.date), s.row_no
          LIMIT ${NAMED}`,
        [source, this.staging],
      );
    const errors: RowError[] = named.map((r) => ({
      row: r.row_no,
      column: 'id',
      id: r.external_id,
      message: r.same
        ? `id '${r.external_id}' of source '${source}' is already in upload ${r.upload_id}`
        : `id '${r.external_id}' of source '${source}' is already in upload ${r.upload_id} with other content`,
    }));
    throw uploadRefused(`the file was refused (nothing was stored): ${errors[0].message}`, errors);
  }

  /** Drops the staged rows (and rolls back `finish`'s transaction, if one is open). */
  async abort(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    const qr = this.qr;
    if (qr) {
      try {
        if (qr.isTransactionActive) await qr.rollbackTransaction();
      } finally {
        await qr.release();
      }
    }
    await this.db.query(`DELETE FROM reconciliation_staging WHERE staging_id = $1`, [this.staging]);
  }

  /** The staged rows dropped with the statement stored (or found stored), in its transaction. */
  private async commit(): Promise<void> {
    const qr = this.qr!;
    await qr.query(`DELETE FROM reconciliation_staging WHERE staging_id = $1`, [this.staging]);
    await qr.commitTransaction();
    this.open = false;
    await qr.release();
  }
}

@Injectable()
export class StatementPgStore extends StatementStore {
  constructor(private readonly db: DataSource) {
    super();
  }

  async open(): Promise<StatementWriter> {
    await this.db.query(
      `DELETE FROM reconciliation_staging WHERE staged_at < now() - ${STALE_STAGING}`,
    );
    return new PgStatementWriter(this.db, randomUUID());
  }

  async countOf(uploadId: string): Promise<number | null> {
    const rows: { record_count: number }[] = await this.db.query(
      `SELECT record_count FROM reconciliation_uploads WHERE upload_id = $1`,
      [uploadId],
    );
    return rows.length ? rows[0].record_count : null;
  }
}
