import { Clock } from '@libs/core/clock';
import { HookRepository } from '../../../src/modules/hook/application/ports/hook.repository';
import { HookTimer } from '../../../src/modules/hook/application/ports/hook-transport';
import type { Hook, HookType } from '../../../src/modules/hook/domain/hook';
import { hookExists } from '../../../src/modules/hook/domain/hook.errors';

/** Hooks in a Map, with the Postgres adapter's rules (unique id, recordRun never goes back). */
export class MemoryHookRepository extends HookRepository {
  readonly hooks = new Map<string, Hook>();
  /** How often the active list was read (what the cache saves). */
  activeReads = 0;

  async insert(hook: Hook): Promise<void> {
    if (this.hooks.has(hook.id)) throw hookExists(hook.id);
    this.hooks.set(hook.id, { ...hook });
  }

  async findById(id: string): Promise<Hook | null> {
    const h = this.hooks.get(id);
    return h ? { ...h } : null;
  }

  async list(type?: HookType): Promise<Hook[]> {
    return [...this.hooks.values()].filter((h) => !type || h.type === type).map((h) => ({ ...h }));
  }

  async listActive(): Promise<Hook[]> {
    this.activeReads++;
    return [...this.hooks.values()].filter((h) => h.active).map((h) => ({ ...h }));
  }

  async replace(
    id: string,
    input: Omit<Hook, 'id' | 'createdAt' | 'lastRun' | 'lastSuccess'>,
  ): Promise<Hook | null> {
    const h = this.hooks.get(id);
    if (!h) return null;
    // Only what a client sets, as the UPDATE's column list: the rest stays the row's own.
    const { name, url, type, active, timeout, retryCount, blocking, failOpen } = input;
    const next = { ...h, name, url, type, active, timeout, retryCount, blocking, failOpen };
    this.hooks.set(id, next);
    return { ...next };
  }

  async delete(id: string): Promise<boolean> {
    return this.hooks.delete(id);
  }

  async recordRun(id: string, at: Date, success: boolean): Promise<void> {
    const h = this.hooks.get(id);
    if (!h || (h.lastRun && h.lastRun > at)) return;
    h.lastRun = at;
    h.lastSuccess = success;
  }
}

/** A clock that moves only when told. */
export class ManualClock extends Clock {
  constructor(private t = new Date('2026-03-01T12:00:00.000Z')) {
    super();
  }

  now(): Date {
    return new Date(this.t);
  }

  advance(ms: number): void {
    this.t = new Date(this.t.getTime() + ms);
  }
}

/** Waits that return at once, recorded; jitter fixed at `random`. */
export class InstantTimer extends HookTimer {
  readonly sleeps: number[] = [];

  constructor(private readonly fixed = 0.5) {
    super();
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
  }

  random(): number {
    return this.fixed;
  }
}
