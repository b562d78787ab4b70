import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import type { Hook } from '../domain/hook';
import { HookSettings } from '../hook-settings';
import { HookRepository } from './ports/hook.repository';

/**
 * The active hooks, cached per process: every transaction asks for them, and they change only
 * when an operator edits them. A change made through this process's API invalidates the cache at
 * once (the CRUD use cases call `invalidate`); a change made through another process is seen
 * within `cacheTtlMs` (5 s by default), when the list is read again.
 *
 * A load that started before an invalidation is not kept: its answer may predate the change.
 * Concurrent callers share one load.
 */
@Injectable()
export class ActiveHooks {
  private cached: { hooks: Hook[]; loadedAt: number } | null = null;
  private loading: { generation: number; promise: Promise<Hook[]> } | null = null;
  private generation = 0;

  constructor(
    private readonly repo: HookRepository,
    private readonly clock: Clock,
    private readonly settings: HookSettings,
  ) {}

  async list(): Promise<Hook[]> {
    const now = this.clock.now().getTime();
    if (this.cached && now - this.cached.loadedAt < this.settings.cacheTtlMs) {
      return this.cached.hooks;
    }
    if (this.loading?.generation === this.generation) return this.loading.promise;
    const generation = this.generation;
    const promise = this.repo.listActive().then(
      (hooks) => {
        if (generation === this.generation) this.cached = { hooks, loadedAt: now };
        if (this.loading?.promise === promise) this.loading = null;
        return hooks;
      },
      (e: unknown) => {
        if (this.loading?.promise === promise) this.loading = null;
        throw e;
      },
    );
    this.loading = { generation, promise };
    return promise;
  }

  invalidate(): void {
    this.generation++;
    this.cached = null;
  }
}
