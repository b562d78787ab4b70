import { DomainError } from '@libs/core/domain-error';

export const deliveryNotFound = (id: string) =>
  new DomainError('GEN_NOT_FOUND', `webhook delivery not found: ${id}`);

export const invalidDeliveryQuery = (message: string) =>
  new DomainError('GEN_VALIDATION_ERROR', message);
