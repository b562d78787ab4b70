/** An event another event gives rise to (a monitor firing on a balance change). */
export interface DerivedEvent {
  event: string;
  /** `raw`: `data` is the payload itself. */
  entity: string;
  entityId: string;
  data: Record<string, unknown>;
}

/**
 * Port: what an internal event (entity `balance-change`) gives rise to, evaluated after commit by
 * the relay. The composition root implements it with the balance monitors.
 */
export abstract class ChangeReactions {
  abstract react(entity: string, snapshot: Record<string, unknown>): Promise<DerivedEvent[]>;

  /**
   * An event about to be delivered for the first time (POST_TRANSACTION hooks of a committed
   * row). Fire-and-forget: it must return at once and never throw.
   */
  observe(_event: string, _entity: string, _snapshot: Record<string, unknown>): void {}
}

/** Internal events: evaluated, never delivered themselves. */
export const INTERNAL_ENTITIES: ReadonlySet<string> = new Set(['balance-change']);
