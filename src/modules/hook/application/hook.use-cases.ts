import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { IdGenerator } from '@libs/core/ids';
import { UnitOfWork } from '@libs/core/unit-of-work';
import { Hook, HookType, MAX_HOOKS_PER_TYPE, parseHookInput } from '../domain/hook';
import { hookInvalid, hookNotFound } from '../domain/hook.errors';
import { ActiveHooks } from './active-hooks';
import { HookRepository } from './ports/hook.repository';

/**
 * `/hooks` (reference §2.11): register, get, list, replace, delete. Every change invalidates this
 * process's cache of active hooks, so the next transaction here calls the hooks as they now are.
 */
@Injectable()
export class HookUseCases {
  constructor(
    private readonly hooks: HookRepository,
    private readonly active: ActiveHooks,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly uow: UnitOfWork,
  ) {}

  /** @throws DomainError HOOK_INVALID, GEN_CONFLICT (the id is taken) */
  async register(body: unknown): Promise<Hook> {
    const { id, ...input } = parseHookInput(body, 'register');
    await this.refuseOverLimit(input.type, 'register');
    const hook: Hook = {
      ...input,
      id: id ?? this.ids.next('hook'),
      createdAt: this.clock.now(),
      lastRun: null,
      lastSuccess: false,
    };
    // In a unit of work: a request's Idempotency-Key is recorded with the hook.
    await this.uow.run((tx) => this.hooks.insert(hook, tx));
    this.active.invalidate();
    return hook;
  }

  /** @throws DomainError HOOK_NOT_FOUND */
  async get(id: string): Promise<Hook> {
    const hook = await this.hooks.findById(id);
    if (!hook) throw hookNotFound('get', id);
    return hook;
  }

  list(type?: HookType): Promise<Hook[]> {
    return this.hooks.list(type);
  }

  /** A replace, as Blnk's: fields left out take their defaults. @throws DomainError HOOK_INVALID, HOOK_NOT_FOUND */
  async replace(id: string, body: unknown): Promise<Hook> {
    // The id in a PUT body is ignored (Blnk keeps the existing one).
    const { id: _ignored, ...input } = parseHookInput(body, 'update');
    const before = await this.hooks.findById(id);
    if (before && before.type !== input.type) await this.refuseOverLimit(input.type, 'update');
    const hook = await this.uow.run((tx) => this.hooks.replace(id, input, tx));
    this.active.invalidate();
    if (!hook) throw hookNotFound('update', id);
    return hook;
  }

  /** @throws DomainError HOOK_NOT_FOUND */
  async delete(id: string): Promise<void> {
    const deleted = await this.hooks.delete(id);
    this.active.invalidate();
    if (!deleted) throw hookNotFound('delete', id);
  }

  /**
   * Every hook of a type is called for every transaction: their number is bounded. Two creations
   * racing may pass the count together; the bound is about cost, not an invariant.
   */
  private async refuseOverLimit(type: HookType, action: 'register' | 'update'): Promise<void> {
    if ((await this.hooks.list(type)).length >= MAX_HOOKS_PER_TYPE) {
      throw hookInvalid(
        `failed to ${action} hook`,
        `at most ${MAX_HOOKS_PER_TYPE} ${type} hooks (each is called for every transaction)`,
      );
    }
  }
}
