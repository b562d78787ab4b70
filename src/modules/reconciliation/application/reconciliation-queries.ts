import { Injectable } from '@nestjs/common';
import { reconciliationNotFound } from '../domain/reconciliation.errors';
import type { MatchRecord, Reconciliation, UnmatchedRecord } from '../domain/reconciliation';
import { ReconciliationRepository } from './ports/reconciliation.repository';

/** GET /reconciliation/:id and its listings (Blnk has only the counts). */
@Injectable()
export class ReconciliationQueries {
  constructor(private readonly runs: ReconciliationRepository) {}

  /** @throws DomainError RECON_NOT_FOUND. */
  async get(id: string): Promise<Reconciliation> {
    const r = await this.runs.findById(id);
    if (!r) throw reconciliationNotFound(id);
    return r;
  }

  /** In external row order. @throws DomainError RECON_NOT_FOUND. */
  async matches(id: string, limit: number, offset: number): Promise<MatchRecord[]> {
    await this.get(id);
    return this.runs.listMatches(id, limit, offset);
  }

  /** @throws DomainError RECON_NOT_FOUND. */
  async unmatched(id: string, limit: number, offset: number): Promise<UnmatchedRecord[]> {
    await this.get(id);
    return this.runs.listUnmatched(id, limit, offset);
  }
}
