import { DomainError } from '@libs/core/domain-error';
import type { Balance, BalanceAmounts } from '../../balance/domain/balance';
import type { Plan } from '../domain/plan';
import type { TransactionDraft } from '../domain/record-request';
import type { TransactionStatus } from '../domain/transaction';
import type { PostingSession } from './posting-session';

export interface BalancePreview {
  balance: Balance;
  before: BalanceAmounts;
  role: 'source' | 'destination';
  /** An `@indicator` balance that does not exist yet and would be created. */
  virtual: boolean;
}

export interface LegPreview {
  identifier: string;
  role: 'source' | 'destination';
  preciseAmount: bigint;
  amount: string;
}

/** What a dry run would do (reference §5.16), in domain terms; the HTTP layer renders it. */
export interface TransactionPreview {
  wouldApply: boolean;
  rejection?: DomainError;
  operation?: 'commit' | 'void';
  status?: TransactionStatus;
  reference: string;
  currency: string;
  amount: string;
  preciseAmount: bigint;
  precision: bigint;
  balances: BalancePreview[];
  legs: LegPreview[];
  notes: string[];
}

/**
 * Runs `apply` against the session; a domain refusal becomes the preview's rejection instead of an
 * error. Anything else (a bug, a lost connection) still throws.
 */
export function tryApply(apply: () => void | Promise<void>): Promise<DomainError | undefined> {
  return Promise.resolve()
    .then(apply)
    .then(
      () => undefined,
      (e: unknown) => {
        if (e instanceof DomainError) return e;
        throw e;
      },
    );
}

/** The balances a preview shows: every endpoint of the request, before and after. */
export function balancePreviews(
  session: PostingSession,
  roles: Map<string, 'source' | 'destination'>,
): BalancePreview[] {
  const out: BalancePreview[] = [];
  for (const [id, role] of roles) {
    const state = session.state(id);
    // Copied: later items of a batch go on changing the live balance.
    if (state)
      out.push({
        balance: { ...state.balance },
        before: state.before,
        role,
        virtual: session.created.has(id),
      });
  }
  return out;
}

/** The preview of one record-transaction request, from the session it ran (or failed) in. */
export function transactionPreview(
  session: PostingSession,
  d: TransactionDraft,
  plan: Plan,
  rejection: DomainError | undefined,
): TransactionPreview {
  const roles = new Map<string, 'source' | 'destination'>();
  for (const leg of plan.legs) {
    roles.set(session.idOf(leg.source, d.currency), 'source');
    if (!roles.has(session.idOf(leg.destination, d.currency)))
      roles.set(session.idOf(leg.destination, d.currency), 'destination');
  }
  const notes: string[] = [];
  if (d.scheduledFor)
    notes.push(
      'scheduled_for is set: the preview projects the transaction onto the current balances',
    );
  for (const id of roles.keys()) {
    const s = session.state(id);
    if (s && s.balance.currency !== d.currency)
      notes.push(`balance ${id} holds ${s.balance.currency}, not ${d.currency}`);
  }
  return {
    wouldApply: rejection === undefined,
    rejection,
    status: rejection ? undefined : d.flags.inflight ? 'INFLIGHT' : 'APPLIED',
    reference: d.reference,
    currency: d.currency,
    amount: d.amount,
    preciseAmount: d.preciseAmount,
    precision: d.precision,
    balances: balancePreviews(session, roles),
    legs: plan.split
      ? plan.legs.map((l) => ({
          identifier: d.sources ? l.source : l.destination,
          role: d.sources ? ('source' as const) : ('destination' as const),
          preciseAmount: l.preciseAmount,
          amount: l.amount,
        }))
      : [],
    notes,
  };
}
