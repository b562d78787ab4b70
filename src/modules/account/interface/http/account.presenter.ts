import { rfc3339 } from '@libs/http/time';
import type { Account } from '../../domain/account';
import type { AccountView } from './account.dto';

export function presentAccount(a: Account): AccountView {
  return {
    account_id: a.accountId,
    name: a.name,
    number: a.number,
    bank_name: a.bankName,
    currency: a.currency,
    balance_id: a.balanceId,
    identity_id: a.identityId,
    ledger_id: a.ledgerId,
    created_at: rfc3339(a.createdAt),
    meta_data: a.metaData,
  };
}
