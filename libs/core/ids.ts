import { randomUUID } from 'node:crypto';

/** Entity id prefixes of reference §1.4. */
export type IdPrefix =
  | 'ldg'
  | 'bln'
  | 'txn'
  | 'bulk'
  | 'idt'
  | 'ref'
  | 'act'
  | 'api_key'
  | 'mon'
  | 'hook'
  | 'recon'
  | 'rule'
  | 'upload'
  | 'instant'
  | 'acc';

/** Port: where ids come from (random in production, predictable in tests). */
export abstract class IdGenerator {
  abstract next(prefix: IdPrefix): string;
}

export class RandomIdGenerator extends IdGenerator {
  next(prefix: IdPrefix): string {
    return `${prefix}_${randomUUID()}`;
  }
}
