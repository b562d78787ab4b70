/** Port: how much queued (accepted, not yet applied) work would debit and credit a balance. */
export abstract class QueuedAmounts {
  abstract of(balanceId: string): Promise<{ debit: bigint; credit: bigint }>;
}
