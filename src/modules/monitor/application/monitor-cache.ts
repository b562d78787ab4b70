import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import type { BalanceMonitor } from '../domain/monitor';

/**
 * How long another process may keep showing a balance's monitors after they changed. This
 * process drops its entry at once on create, update and delete; other processes have no signal,
 * so their entries expire. Blnk keeps them 5 minutes in Redis, invalidated on change.
 */
export const MONITOR_CACHE_TTL_MS = 5_000;
/** Balances whose monitors are kept at most (the oldest entry goes first). */
export const MONITOR_CACHE_MAX_ENTRIES = 10_000;

interface Entry {
  monitors: readonly BalanceMonitor[];
  expiresAt: number;
}

/**
 * The monitors of each balance, per process, so evaluating a balance change costs no query while
 * its monitors have not changed. A load that started before an invalidation is not stored (it may
 * have read the old rows); concurrent loads of one balance share one query.
 */
@Injectable()
export class MonitorCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<readonly BalanceMonitor[]>>();
  /** Bumped by every invalidation: a load that sees it move stores nothing. */
  private epoch = 0;

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = MONITOR_CACHE_TTL_MS,
    private readonly maxEntries = MONITOR_CACHE_MAX_ENTRIES,
  ) {}

  async get(
    balanceId: string,
    load: () => Promise<readonly BalanceMonitor[]>,
  ): Promise<readonly BalanceMonitor[]> {
    const now = this.clock.now().getTime();
    const hit = this.entries.get(balanceId);
    if (hit && hit.expiresAt > now) return hit.monitors;
    const pending = this.loading.get(balanceId);
    if (pending) return pending;
    const epoch = this.epoch;
    const promise = load().then((monitors) => {
      if (this.epoch === epoch) this.store(balanceId, monitors);
      return monitors;
    });
    this.loading.set(balanceId, promise);
    try {
      return await promise;
    } finally {
      if (this.loading.get(balanceId) === promise) this.loading.delete(balanceId);
    }
  }

  /** Forgets what this process knows of these balances' monitors. */
  invalidate(...balanceIds: string[]): void {
    this.epoch++;
    for (const id of balanceIds) {
      this.entries.delete(id);
      this.loading.delete(id);
    }
  }

  private store(balanceId: string, monitors: readonly BalanceMonitor[]): void {
    this.entries.delete(balanceId);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(balanceId, {
      monitors,
      expiresAt: this.clock.now().getTime() + this.ttlMs,
    });
  }
}
