import { Injectable } from '@nestjs/common';
import { DomainError } from '@libs/core/domain-error';
import { bulkEmpty, bulkTooLarge } from '../../domain/transaction.errors';
import type { TransactionPreview } from '../preview';
import { InflightUpdate, UpdateInflightUseCase } from './update-inflight.use-case';

export const BULK_INFLIGHT_LIMIT = 100;

export interface BulkInflightResult {
  transactionId: string;
  status: 'queued' | 'succeeded' | 'failed';
  code?: string;
  message?: string;
}

/** The per-item codes of reference §2.5.5 (not error codes: Blnk's bulk result vocabulary). */
const ITEM_CODES: Record<string, string> = {
  TXN_NOT_FOUND: 'NOT_FOUND',
  TXN_ALREADY_VOIDED: 'ALREADY_VOIDED',
  TXN_ALREADY_COMMITTED: 'ALREADY_COMMITTED',
  TXN_NOT_INFLIGHT: 'NOT_INFLIGHT',
  TXN_INVALID_AMOUNT: 'INVALID_AMOUNT',
  TXN_COMMIT_AMOUNT_EXCEEDED: 'INVALID_AMOUNT',
  GEN_RESOURCE_LOCKED: 'LOCKED',
};

/**
 * POST /transactions/inflight/bulk/commit|void (reference §2.5.5): up to 100 holds, each settled
 * (skip_queue) or queued on its own, in input order; one item's refusal does not stop the others.
 */
@Injectable()
export class BulkInflightUseCase {
  constructor(private readonly inflight: UpdateInflightUseCase) {}

  async execute(updates: InflightUpdate[], skipQueue: boolean): Promise<BulkInflightResult[]> {
    this.check(updates);
    const results: BulkInflightResult[] = [];
    for (const u of updates) {
      try {
        if (skipQueue) await this.inflight.execute({ ...u, skipQueue: true });
        else await this.inflight.enqueue(u);
        results.push({
          transactionId: u.id,
          status: skipQueue ? 'succeeded' : 'queued',
          ...(skipQueue ? {} : { code: 'QUEUED' }),
        });
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        if (!skipQueue && e.code === 'GEN_CONFLICT') {
          results.push({
            transactionId: u.id,
            status: 'queued',
            code: 'ALREADY_QUEUED',
            message: e.message,
          });
        } else {
          results.push({
            transactionId: u.id,
            status: 'failed',
            code: ITEM_CODES[e.code] ?? 'INTERNAL_ERROR',
            message: e.message,
          });
        }
      }
    }
    return results;
  }

  async preview(updates: InflightUpdate[]): Promise<TransactionPreview[]> {
    this.check(updates);
    const out: TransactionPreview[] = [];
    for (const u of updates) out.push(await this.inflight.preview(u));
    return out;
  }

  private check(updates: InflightUpdate[]): void {
    if (!updates.length) throw bulkEmpty();
    if (updates.length > BULK_INFLIGHT_LIMIT) {
      throw bulkTooLarge(`at most ${BULK_INFLIGHT_LIMIT} transactions per request`);
    }
  }
}
