import type { Tx } from '@libs/core/unit-of-work';
import type { ChainHead, ChainLink, ChainSeal, SealedRow, StoredLink } from '../../domain/chain';

/** Port: the transaction hash chain's storage (transaction_chain, its pending ids, chain_state). */
export abstract class ChainRepository {
  /**
   * Locks the chain head for this transaction. Returns null at once, without waiting, when
   * another sealer holds it (it is sealing; this round has nothing to do).
   */
  abstract lockHead(tx: Tx): Promise<ChainHead | null>;

  /**
   * Up to `limit` committed rows not sealed yet, lowest id first, created at least `olderThanMs`
   * ago, with their frozen fields as text (SealedRow).
   */
  abstract unsealed(tx: Tx, limit: number, olderThanMs: number): Promise<SealedRow[]>;

  /** Stores the links, removes their rows from the pending ones, moves the head to the last. */
  abstract append(tx: Tx, links: ChainLink[]): Promise<void>;

  /** The head as stored (chain_state). */
  abstract head(): Promise<ChainHead>;

  /** Rows waiting to be sealed. */
  abstract backlog(): Promise<number>;

  /**
   * Stored links with seq > `afterSeq`, in seq order, each with its row as it is now; their
   * field digests only `withDigests` (they are needed only to name what changed).
   */
  abstract links(afterSeq: bigint, limit: number, withDigests?: boolean): Promise<StoredLink[]>;

  /** Transaction rows neither sealed nor waiting to be: how many, and the first by id. */
  abstract unaccounted(): Promise<{ count: number; first: string | null }>;

  /** The seals of these transaction ids (absent: not sealed yet). */
  abstract sealsOf(ids: string[]): Promise<Map<string, ChainSeal>>;
}
