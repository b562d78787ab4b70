import { DomainError } from '@libs/core/domain-error';

export const monitorNotFound = (id: string) =>
  new DomainError('BAL_MONITOR_NOT_FOUND', `BalanceMonitor with ID '${id}' not found`);

export const invalidMonitorBalance = (id: string) =>
  new DomainError('GEN_BAD_REQUEST', `Invalid balance ID: ${id}`);
