import { DomainError } from '@libs/core/domain-error';

/** What a tracked balance holds of one provider's money, in minor units. */
export interface LineagePosition {
  provider: string;
  /** Credited with this provider's tag, or carried over from a tracked source. */
  received: bigint;
  /** Allocated to debits (settled). */
  spent: bigint;
  /** Of what is not spent, reserved by inflight holds. */
  held: bigint;
}

export interface ProviderBreakdown extends LineagePosition {
  /** received − spent (Blnk's `available`; held funds are part of it, as in Blnk). */
  available: bigint;
}

export interface BalanceLineage {
  balanceId: string;
  /** Σ available. */
  totalWithLineage: bigint;
  providers: ProviderBreakdown[];
}

/** One row's share of one provider: what it credited, spent, held or released. */
export interface LineageAllocation {
  transactionId: string;
  balanceId: string;
  provider: string;
  kind: 'credit' | 'receive' | 'debit' | 'hold' | 'release';
  amount: bigint;
}

/** The breakdown of a balance's positions, oldest provider first (as given). */
export function balanceLineage(balanceId: string, positions: LineagePosition[]): BalanceLineage {
  const providers = positions.map((p) => ({ ...p, available: p.received - p.spent }));
  return {
    balanceId,
    totalWithLineage: providers.reduce((sum, p) => sum + p.available, 0n),
    providers,
  };
}

/**
 * Which providers a transaction drew on (`fund_allocation`): its debits, or for a hold what it
 * reserves, summed per provider in allocation order. Empty when it spent no tracked money.
 */
export function fundAllocation(
  allocations: LineageAllocation[],
): { provider: string; amount: bigint }[] {
  const drawn = new Map<string, bigint>();
  for (const a of allocations) {
    if (a.kind !== 'debit' && a.kind !== 'hold') continue;
    drawn.set(a.provider, (drawn.get(a.provider) ?? 0n) + a.amount);
  }
  return [...drawn].map(([provider, amount]) => ({ provider, amount }));
}

export const lineageNotTracked = (balanceId: string) =>
  new DomainError(
    'GEN_BAD_REQUEST',
    `balance ${balanceId} does not have fund lineage tracking enabled`,
  );
