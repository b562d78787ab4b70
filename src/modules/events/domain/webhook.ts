/** One event of the outbox, as the relay delivers it. */
export interface OutboxEvent {
  seq: string;
  eventId: string;
  event: string;
  entity: string;
  entityId: string;
  snapshot: Record<string, unknown>;
  createdAt: Date;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  lastStatus: number | null;
  deliveredAt: Date | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'skipped';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = [
  'pending',
  'delivered',
  'failed',
  'skipped',
];

/**
 * How long to wait after the `attempt`-th failed attempt (1-based): exponential from `firstMs`,
 * capped at `maxMs`, with up to 50 % jitter (`random` in [0, 1)) so receivers coming back from an
 * outage are not hit by every delivery at once. The first retry is within `1.5 × firstMs`.
 */
export function retryDelayMs(
  attempt: number,
  firstMs: number,
  maxMs: number,
  random: number,
): number {
  const base = Math.min(maxMs, firstMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 + random / 2));
}

/** What a delivery attempt returned: a status (any, 2xx = delivered) or a transport error. */
export type AttemptResult = { status: number } | { error: string };

export function succeeded(r: AttemptResult): boolean {
  return 'status' in r && r.status >= 200 && r.status < 300;
}
