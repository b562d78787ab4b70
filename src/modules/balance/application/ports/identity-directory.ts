import type { Tx } from '@libs/core/unit-of-work';

/** Read-only view of identities, for `include=identity` and identity checks. */
export abstract class IdentityDirectory {
  abstract find(identityId: string, tx?: Tx): Promise<Record<string, unknown> | null>;
}
