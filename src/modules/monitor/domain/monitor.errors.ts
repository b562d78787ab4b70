import { DomainError } from '@libs/core/domain-error';

export const monitorNotFound = (id: string) =>
  new DomainError('BAL_MONITOR_NOT_FOUND', `BalanceMonitor with ID '${id}' not found`);

export const invalidMonitorBalance = (id: string) =>
  new DomainError('GEN_BAD_REQUEST', `Invalid balance ID: ${id}`);

export const tooManyMonitors = (balanceId: string, max: number) =>
  new DomainError(
    'GEN_BAD_REQUEST',
    `Balance ${balanceId} already has ${max} monitors, the most a balance may have`,
  );
