import type { LineageAllocation } from './lineage';

/**
 * Blnk's shadow ledger of fund lineage (reference §2.3, §5.7, §15), as a projection of the
 * typed lineage tables: per tracked balance and provider a shadow balance
 * `@<provider>_<balance id>_lineage`, per tracked balance an aggregate `@<balance id>_lineage`.
 * What a provider gave the balance is the shadow balance's debits, what the balance spent of it
 * its credits, what holds reserve its inflight credits; each shadow transaction mirrors one
 * allocation. The names use the balance id where Blnk uses the identity's name: one identity's
 * balances keep separate shadows (the typed positions are per balance) and no name (PII) ends up
 * in an indicator.
 */

/** An allocation not projected yet, with what its shadow transaction is named after. */
export interface PendingAllocation extends LineageAllocation {
  allocationId: string;
  /** The reference and id the client knows the row by (a QUEUED row's, for a worker's outcome). */
  reference: string;
  clientTransactionId: string;
  currency: string;
  precision: bigint;
  identityId: string | null;
  /** The hold this row commits or voids, if it settles one. */
  settles: string | null;
}

export type LineageType = 'credit' | 'receive' | 'release' | 'shadow_commit' | 'shadow_void';

export type ShadowPosting =
  | {
      kind: 'transfer';
      /** The shadow side first as Blnk posts it: from the shadow balance for money in. */
      source: string;
      destination: string;
      inflight: boolean;
      lineageType: LineageType;
      reference: string;
    }
  | {
      kind: 'commit' | 'void';
      /** The shadow hold of the same hold and provider. */
      holdId: string;
      lineageType: LineageType;
      reference: string;
    };

/**
 * A provider as part of an indicator, which holds no whitespace: whitespace and `%` become
 * `%XX` (so two providers never share a name); anything else is kept.
 */
export const indicatorPart = (provider: string) =>
  provider.replace(/[%\s]/gu, (c) =>
    [...new TextEncoder().encode(c)]
      .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );

export const shadowIndicator = (provider: string, balanceId: string) =>
  `@${indicatorPart(provider)}_${balanceId}_lineage`;
export const aggregateIndicator = (balanceId: string) => `@${balanceId}_lineage`;

/** The key of a balance's aggregate in lineage_shadow_balances (no provider is ''). */
export const AGGREGATE = '';

/** Whether an allocation settles a hold, so that its shadow settles the hold's shadow. */
export function settlesAHold(a: PendingAllocation): boolean {
  return a.settles !== null && (a.kind === 'debit' || a.kind === 'release');
}

/**
 * The shadow transaction of one allocation. Money in (`credit`, `receive`) goes from the shadow
 * balance to the aggregate (the shadow balance's debits = received); money out (`debit`) and a
 * hold's reservation (`hold`, inflight) from the aggregate back to the shadow balance (its
 * credits = spent); a commit or void of a hold commits or voids the hold's shadow.
 * `shadowHold`: the hold's shadow transaction for this provider, when `settlesAHold`.
 */
export function shadowPosting(a: PendingAllocation, shadowHold: string | null): ShadowPosting {
  const shadow = shadowIndicator(a.provider, a.balanceId);
  const aggregate = aggregateIndicator(a.balanceId);
  const ref = (suffix: string) => `${a.reference}_${suffix}_${a.provider}`;
  if (settlesAHold(a)) {
    if (shadowHold === null) throw new Error(`the hold ${a.settles} has no shadow yet`);
    return a.kind === 'release'
      ? { kind: 'void', holdId: shadowHold, lineageType: 'shadow_void', reference: ref('void') }
      : {
          kind: 'commit',
          holdId: shadowHold,
          lineageType: 'shadow_commit',
          reference: ref('commit'),
        };
  }
  switch (a.kind) {
    case 'credit':
      return into('credit', ref('shadow'));
    case 'receive':
      return into('receive', ref('receive'));
    case 'debit':
    case 'hold':
      return {
        kind: 'transfer',
        source: aggregate,
        destination: shadow,
        inflight: a.kind === 'hold',
        lineageType: 'release',
        reference: ref('release'),
      };
    case 'release':
      // A release always settles a hold (handled above).
      throw new Error(`a release without a hold: allocation ${a.allocationId}`);
  }
  function into(lineageType: LineageType, reference: string): ShadowPosting {
    return {
      kind: 'transfer',
      source: shadow,
      destination: aggregate,
      inflight: false,
      lineageType,
      reference,
    };
  }
}

/** The engine keys Blnk writes on a shadow transaction (reference §15), engine-only. */
export function shadowMeta(a: PendingAllocation, lineageType: LineageType): Record<string, string> {
  return {
    _shadow_for: a.clientTransactionId,
    _provider: a.provider,
    _identity_id: a.identityId ?? '',
    _lineage_type: lineageType,
    _main_balance: a.balanceId,
  };
}
