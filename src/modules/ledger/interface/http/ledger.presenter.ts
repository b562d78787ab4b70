import { rfc3339 } from '@libs/http/time';
import type { Ledger } from '../../domain/ledger';
import type { LedgerView } from './ledger.dto';

export function presentLedger(l: Ledger): LedgerView {
  return {
    ledger_id: l.ledgerId,
    name: l.name,
    created_at: rfc3339(l.createdAt),
    meta_data: l.metaData,
  };
}
