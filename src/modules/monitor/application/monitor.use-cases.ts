import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { IdGenerator } from '@libs/core/ids';
import { UnitOfWork } from '@libs/core/unit-of-work';
import { BalanceMonitor, monitorCondition, MonitorInput } from '../domain/monitor';
import { monitorNotFound } from '../domain/monitor.errors';
import { MonitorCache } from './monitor-cache';
import { MonitorRepository } from './ports/monitor.repository';

/** Most monitors `GET /balance-monitors` shows (Blnk lists every row; a list here has a cap). */
export const MAX_MONITOR_LIST = 1000;

/** Balance monitor CRUD (reference §2.4). Every change drops this process's cached monitors. */
@Injectable()
export class MonitorUseCases {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly monitors: MonitorRepository,
    private readonly cache: MonitorCache,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /** @throws DomainError GEN_VALIDATION_ERROR, GEN_BAD_REQUEST (unknown balance). */
  async create(input: MonitorInput): Promise<BalanceMonitor> {
    const condition = monitorCondition(input); // also refuses a blank balance_id
    const monitor: BalanceMonitor = {
      monitorId: this.ids.next('mon'),
      balanceId: input.balanceId!,
      description: input.description ?? '',
      callBackUrl: input.callBackUrl ?? '',
      createdAt: this.clock.now(),
      condition,
    };
    await this.uow.run((tx) => this.monitors.insert(tx, monitor));
    this.cache.invalidate(monitor.balanceId);
    return monitor;
  }

  /** @throws DomainError BAL_MONITOR_NOT_FOUND. */
  async get(id: string): Promise<BalanceMonitor> {
    const m = await this.monitors.findById(id);
    if (!m) throw monitorNotFound(id);
    return m;
  }

  list(): Promise<BalanceMonitor[]> {
    return this.monitors.list(MAX_MONITOR_LIST);
  }

  listByBalance(balanceId: string): Promise<BalanceMonitor[]> {
    return this.monitors.listByBalance(balanceId);
  }

  /**
   * Replaces balance, condition (precise_value recomputed; the stored precision kept when none is
   * sent), description and callback.
   * @throws DomainError BAL_MONITOR_NOT_FOUND, GEN_VALIDATION_ERROR, GEN_BAD_REQUEST.
   */
  async update(id: string, input: MonitorInput): Promise<void> {
    const current = await this.get(id);
    const next: BalanceMonitor = {
      ...current,
      balanceId: input.balanceId ?? '',
      description: input.description ?? '',
      callBackUrl: input.callBackUrl ?? '',
      condition: monitorCondition(input, current.condition),
    };
    const previous = await this.uow.run((tx) => this.monitors.update(tx, next));
    if (previous === null) throw monitorNotFound(id);
    this.cache.invalidate(previous, next.balanceId);
  }

  /** @throws DomainError BAL_MONITOR_NOT_FOUND. */
  async delete(id: string): Promise<void> {
    const balanceId = await this.uow.run((tx) => this.monitors.delete(tx, id));
    if (balanceId === null) throw monitorNotFound(id);
    this.cache.invalidate(balanceId);
  }
}
