/**
 * Port: how much queued (accepted, not yet applied) work would debit and credit a balance. The
 * transaction engine implements it over its own work list (`QueuedAmountsModule`).
 */
export abstract class QueuedAmounts {
  abstract of(balanceId: string): Promise<{ debit: bigint; credit: bigint }>;
}
