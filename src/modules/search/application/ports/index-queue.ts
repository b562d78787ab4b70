import type { CollectionName } from '../../domain/collections';

export interface QueuedEntity {
  seq: string;
  collection: CollectionName;
  entityId: string;
}

/** The durable list of entities whose documents Typesense does not have yet. */
export abstract class IndexQueue {
  /** Turns the triggers that fill the queue on or off; true when this call turned them on. */
  abstract setEnabled(enabled: boolean): Promise<boolean>;

  /**
   * Takes the indexer lease (one round, or one reindex batch, at a time across processes) until
   * `ms` from now: its token, or undefined while another holds it.
   */
  abstract lease(ms: number): Promise<string | undefined>;

  /** Frees the lease of this token; a lease taken over by another since is left alone. */
  abstract release(lease: string): Promise<void>;

  /** The oldest queued entities, in change order. */
  abstract peek(limit: number): Promise<QueuedEntity[]>;

  /** Removes rows whose documents were written. */
  abstract done(seqs: string[]): Promise<void>;

  abstract pending(): Promise<number>;

  /** Queues every existing entity, in dependency order: what Typesense lacks when the feed was off. */
  abstract enqueueAll(): Promise<number>;
}
