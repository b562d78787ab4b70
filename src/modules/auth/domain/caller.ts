/** Who is calling, as authentication established it (the domain's view of a principal). */
export interface Caller {
  keyId: string;
  owner: string;
  scopes: readonly string[];
  isMaster: boolean;
  /** When the caller's own key stops working (null for the master key). */
  expiresAt: Date | null;
}

export const MASTER_CALLER: Caller = Object.freeze({
  keyId: 'master',
  owner: 'master',
  scopes: Object.freeze(['*:*']),
  isMaster: true,
  expiresAt: null,
});
