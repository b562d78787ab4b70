/**
 * Port: the `data` of an event, from the snapshot of the entity the outbox kept (the row as
 * written; for an identity, only its id, and the identity is read now). The composition root
 * implements it with each module's mapper and presenter, so a webhook carries exactly what the
 * API shows for that entity.
 */
export abstract class EventPayloads {
  abstract payload(entity: string, snapshot: Record<string, unknown>): Promise<unknown>;
}
