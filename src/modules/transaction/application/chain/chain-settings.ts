/** transaction.hash_chain.* (reference §10.2); built from configuration by the composition root. */
export class ChainSettings {
  constructor(
    /** On by default in Neraca (Blnk's is off): rows still queue for sealing when it is off. */
    readonly enabled: boolean = true,
    /** Pause between rounds that found nothing to seal. */
    readonly pollMs: number = 5000,
    /** Most rows one round seals, in one database transaction. */
    readonly batchSize: number = 1000,
    /**
     * Rows younger than this wait. Not needed for correctness here (a row is sealed once its
     * transaction has committed, whatever its id); kept for Blnk's key. Neraca's default is 0.
     */
    readonly trailingDelayMs: number = 0,
  ) {}
}
