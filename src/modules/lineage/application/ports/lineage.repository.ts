import type { LineageAllocation, LineagePosition } from '../../domain/lineage';

/** The lineage tables, written by the database itself in each money move's transaction. */
export abstract class LineageRepository {
  /** The positions of a balance, oldest provider first, read in one statement. Raises nothing. */
  abstract positions(balanceId: string): Promise<LineagePosition[]>;

  /**
   * The allocations of a transaction row and, for a QUEUED row, of its outcome, in the order
   * they were made. Raises nothing.
   */
  abstract allocations(transactionId: string): Promise<LineageAllocation[]>;
}
