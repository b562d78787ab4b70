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

/**
 * An upload in one database transaction: rows go to a temporary table as they stream in (the
 * source may arrive after the file in a multipart body), and `finish` checks them against the
 * statements of the same source in SQL before copying them, in file order, to
 * `external_transactions`. Rolled back, nothing stays, the temporary table included.
 */
class PgStatementWriter extends StatementWriter {
  private open = true;

  constructor(private readonly qr: QueryRunner) {
    super();
  }

  async stage(rows: StatementRow[]): Promise<void> {
    await this.qr.query(
      `INSERT INTO recon_staging
       SELECT * FROM unnest($1::int[], $2::text[], $3::numeric[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])`,
      [
        rows.map((r) => r.row),
        rows.map((r) => r.externalId),
        rows.map((r) => r.amount),
        rows.map((r) => r.currency),
        rows.map((r) => r.reference),
        rows.map((r) => r.description),
        rows.map((r) => r.date),
      ],
    );
  }

  async finish(uploadId: string, source: string, digest: string): Promise<StoredUpload> {
    const repeated: { external_id: string; rows: number[] }[] = await this.qr.query(
      `SELECT external_id, array_agg(row_no ORDER BY row_no) AS rows FROM recon_staging
        GROUP BY external_id HAVING count(*) > 1 ORDER BY min(row_no) LIMIT ${NAMED}`,
    );
    if (repeated.length) {
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
    for (let attempt = 0; ; attempt++) {
      const earlier = await this.earlier(source);
      if (earlier) return earlier;
      await this.qr.query('SAVEPOINT recon_insert');
      try {
        const [{ n }]: { n: number }[] = await this.qr.query(
          `SELECT count(*)::int AS n FROM recon_staging`,
        );
        await this.qr.query(
          `INSERT INTO reconciliation_uploads (upload_id, source, record_count, digest, instant)
           VALUES ($1, $2, $3, $4, $5)`,
          [uploadId, source, n, digest, uploadId.startsWith('instant_')],
        );
        await this.qr.query(
          `INSERT INTO external_transactions
             (upload_id, external_id, source, amount, currency, reference, description, date)
           SELECT $1, external_id, $2, amount, currency, reference, description, date
             FROM recon_staging ORDER BY row_no`,
          [uploadId, source],
        );
        await this.qr.commitTransaction();
        await this.close();
        return { uploadId, source, recordCount: n, existing: false };
      } catch (e) {
        // The same ids committed by a concurrent upload meanwhile: look again (it is visible now).
        if (!isUniqueViolation(e) || attempt >= 2) throw e;
        await this.qr.query('ROLLBACK TO SAVEPOINT recon_insert');
      }
    }
  }

  /**
   * The earlier upload this file repeats (every row already stored, identical, in one upload of
   * exactly these rows), or null when no row of it is stored yet.
   * @throws DomainError RECON_UPLOAD_FAILED when some rows are stored and the file is not a repeat.
   */
  private async earlier(source: string): Promise<StoredUpload | null> {
    const [summary]: { clashes: number; changed: number; uploads: string[]; staged: number }[] =
      await this.qr.query(
        `SELECT count(e.seq)::int AS clashes,
                (count(e.seq) FILTER (WHERE NOT (e.amount = s.amount AND e.currency = s.currency
                  AND e.reference = s.reference AND e.description = s.description AND e.date = s.date)))::int AS changed,
                (array_agg(DISTINCT e.upload_id) FILTER (WHERE e.upload_id IS NOT NULL))[1:2] AS uploads,
                count(*)::int AS staged
           FROM recon_staging s
           LEFT JOIN external_transactions e ON e.source = $1 AND e.external_id = s.external_id`,
        [source],
      );
    if (summary.clashes === 0) return null;
    const uploads = summary.uploads ?? [];
    if (summary.changed === 0 && uploads.length === 1 && summary.clashes === summary.staged) {
      const [u]: { record_count: number }[] = await this.qr.query(
        `SELECT record_count FROM reconciliation_uploads WHERE upload_id = $1`,
        [uploads[0]],
      );
      if (u.record_count === summary.staged) {
        await this.close(true);
        return { uploadId: uploads[0], source, recordCount: u.record_count, existing: true };
      }
    }
    const named: { row_no: number; external_id: string; upload_id: string; same: boolean }[] =
      await this.qr.query(
        `SELECT s.row_no, s.external_id, e.upload_id,
                (e.amount = s.amount AND e.currency = s.currency AND e.reference = s.reference
                  AND e.description = s.description AND e.date = s.date) AS same
           FROM recon_staging s JOIN external_transactions e ON e.source = $1 AND e.external_id = s.external_id
          ORDER BY (e.amount = s.amount AND e.currency = s.currency AND e.reference = s.reference
                  AND e.description = s.description AND e.date = s.date), s.row_no
          LIMIT ${NAMED}`,
        [source],
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

  async abort(): Promise<void> {
    await this.close(true);
  }

  private async close(rollback = false): Promise<void> {
    if (!this.open) return;
    this.open = false;
    try {
      if (rollback && this.qr.isTransactionActive) await this.qr.rollbackTransaction();
    } finally {
      await this.qr.release();
    }
  }
}

@Injectable()
export class StatementPgStore extends StatementStore {
  constructor(private readonly db: DataSource) {
    super();
  }

  async open(): Promise<StatementWriter> {
    const qr = this.db.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      await qr.query(
        `CREATE TEMP TABLE recon_staging (row_no int, external_id text, amount numeric, currency text,
           reference text, description text, date timestamptz) ON COMMIT DROP`,
      );
    } catch (e) {
      await qr.release();
      throw e;
    }
    return new PgStatementWriter(qr);
  }

  async countOf(uploadId: string): Promise<number | null> {
    const rows: { record_count: number }[] = await this.db.query(
      `SELECT record_count FROM reconciliation_uploads WHERE upload_id = $1`,
      [uploadId],
    );
    return rows.length ? rows[0].record_count : null;
  }
}
