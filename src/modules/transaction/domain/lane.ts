/**
 * The queue lane of a queued transaction: FNV-1a (32-bit) of its source balance id, modulo the
 * number of lanes, as Blnk routes to `new:transaction_<k>` (reference §5.3). All work of one source
 * balance goes through one lane, in the order it was accepted.
 */
export function laneOf(sourceBalanceId: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < sourceBalanceId.length; i++) {
    h ^= sourceBalanceId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % lanes;
}
