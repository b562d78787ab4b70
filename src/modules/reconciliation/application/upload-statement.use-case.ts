import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { IdGenerator } from '@libs/core/ids';
import { RowError, uploadFailed, uploadRefused } from '../domain/reconciliation.errors';
import { checkRow, StatementRow } from '../domain/statement';
import { StatementStore, StatementWriter, StoredUpload } from './ports/statement.store';
import { readStatement } from './statement-reader';

/** Faults a refusal reports; the file is read on until this many are found. */
export const MAX_REPORTED_FAULTS = 10;
/** Rows staged per statement. */
const STAGE_BATCH = 1000;

/**
 * One upload as it streams in (reference §2.10, §8.1): each row is checked and staged; a file
 * with any fault is refused as a whole with the first faults found, and nothing is stored.
 */
export class UploadSession {
  private readonly errors: RowError[] = [];
  private readonly digest = createHash('sha256');
  private pending: StatementRow[] = [];
  /** The batch being staged while the next one is read (at most one), and how it failed. */
  private staging: Promise<void> = Promise.resolve();
  private stageFailure: { error: unknown } | undefined;
  private rows = 0;
  private files = 0;

  constructor(
    private readonly writer: StatementWriter,
    private readonly uploadId: string,
  ) {}

  /** Reads one file; its rows are staged unless a fault has been found. */
  async consume(input: Readable, filename?: string): Promise<void> {
    this.files++;
    for await (const item of readStatement(input, filename)) {
      if (item.kind === 'error') {
        this.errors.push(item.error);
        if (item.fatal || this.errors.length >= MAX_REPORTED_FAULTS) break;
        continue;
      }
      const row = checkRow(item.fields, item.row);
      if (Array.isArray(row)) {
        this.errors.push(...row.slice(0, MAX_REPORTED_FAULTS - this.errors.length));
        if (this.errors.length >= MAX_REPORTED_FAULTS) break;
        continue;
      }
      this.rows++;
      if (this.errors.length) continue;
      this.digest.update(
        JSON.stringify([
          row.externalId,
          row.amount,
          row.currency,
          row.reference,
          row.description,
          row.date,
        ]) + '\n',
      );
      this.pending.push(row);
      if (this.pending.length >= STAGE_BATCH) await this.flush();
    }
    // What is left unread (after a fatal fault) is drained, so the request can be answered.
    input.resume();
  }

  /**
   * Stores the statement, or answers the earlier upload of the same statement.
   * @throws DomainError RECON_UPLOAD_FAILED (no file, a faulty file, ids that clash).
   */
  async finish(source: string): Promise<StoredUpload> {
    try {
      if (this.files === 0) throw uploadFailed();
      if (!this.errors.length && this.rows === 0)
        this.errors.push({ row: 0, message: 'the file has no rows' });
      if (this.errors.length) {
        throw uploadRefused(
          `the file was refused (nothing was stored): ${this.errors.length === MAX_REPORTED_FAULTS ? 'at least ' : ''}${this.errors.length} fault(s), the first: row ${this.errors[0].row}${this.errors[0].column ? `, column ${this.errors[0].column}` : ''}: ${this.errors[0].message}`,
          this.errors,
        );
      }
      await this.flush();
      await this.staged();
      return await this.writer.finish(this.uploadId, source, this.digest.digest('hex'));
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  async abort(): Promise<void> {
    // A batch still on its way would land after the staged rows are dropped.
    await this.staging;
    await this.writer.abort();
  }

  /**
   * Sends the pending rows to be staged, and returns once the batch before them is: the file is
   * read and checked while the database stores the previous batch, one batch in flight at most.
   */
  private async flush(): Promise<void> {
    if (!this.pending.length) return;
    const rows = this.pending;
    this.pending = [];
    await this.staged();
    this.staging = this.writer.stage(rows).catch((error: unknown) => {
      this.stageFailure = { error };
    });
  }

  /** Waits for the batch in flight; @throws what staging it failed with. */
  private async staged(): Promise<void> {
    await this.staging;
    if (this.stageFailure) throw this.stageFailure.error;
  }
}

@Injectable()
export class UploadStatementUseCase {
  constructor(
    private readonly store: StatementStore,
    private readonly ids: IdGenerator,
  ) {}

  /** Starts an upload; the caller feeds it files and finishes or aborts it. */
  async open(): Promise<UploadSession> {
    return new UploadSession(await this.store.open(), this.ids.next('upload'));
  }
}
