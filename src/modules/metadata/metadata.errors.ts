import { DomainError } from '@libs/core/domain-error';

/** Errors of POST /{entity_id}/metadata (reference §2.8); the module has no domain of its own. */
export const entityNotFound = () => new DomainError('META_ENTITY_NOT_FOUND', 'entity not found');

export const invalidEntityId = (id: string) =>
  new DomainError('META_INVALID_ENTITY_ID', `invalid entity ID format: ${id}`);
