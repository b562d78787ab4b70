import type { Tx } from '@libs/core/unit-of-work';

/** Who revealed which field of which identity, and whether it worked. Never the value. */
export interface DetokenizationEvent {
  identityId: string;
  field: string;
  apiKeyId: string;
  owner: string;
  outcome: 'revealed' | 'failed';
}

/** Port: the append-only log of detokenizations. */
export abstract class DetokenizationAudit {
  abstract record(tx: Tx, events: DetokenizationEvent[]): Promise<void>;
}
