import { Injectable } from '@nestjs/common';
import type { Tx } from '@libs/core/unit-of-work';
import { sql } from '@libs/persistence/tx';
import {
  DetokenizationAudit,
  DetokenizationEvent,
} from '../../application/ports/detokenization-audit';

@Injectable()
export class DetokenizationAuditPg extends DetokenizationAudit {
  async record(tx: Tx, events: DetokenizationEvent[]): Promise<void> {
    if (!events.length) return;
    const params: unknown[] = [];
    const rows = events.map((e) => {
      params.push(e.identityId, e.field, e.apiKeyId, e.owner, e.outcome);
      const n = params.length;
      return `($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
    });
    await sql(tx).query(
      `INSERT INTO detokenization_audit (identity_id, field, api_key_id, owner, outcome) VALUES ${rows.join(', ')}`,
      params,
    );
  }
}
