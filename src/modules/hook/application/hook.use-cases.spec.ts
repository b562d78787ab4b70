import { IdGenerator, IdPrefix } from '@libs/core/ids';
import { ManualClock, MemoryHookRepository } from '../../../../test/support/fakes/hooks';
import { PassThroughUnitOfWork } from '../../../../test/support/fakes/api-keys';
import { MAX_HOOKS_PER_TYPE } from '../domain/hook';
import { HookSettings } from '../hook-settings';
import { ActiveHooks } from './active-hooks';
import { HookUseCases } from './hook.use-cases';

class CountingIds extends IdGenerator {
  private n = 0;
  next(prefix: IdPrefix): string {
    return `${prefix}_${++this.n}`;
  }
}

describe('HookUseCases', () => {
  const body = { url: 'https://hooks.example.com/x', type: 'POST_TRANSACTION', active: true };
  let repo: MemoryHookRepository;
  let active: ActiveHooks;
  let hooks: HookUseCases;

  beforeEach(() => {
    repo = new MemoryHookRepository();
    const clock = new ManualClock();
    active = new ActiveHooks(repo, clock, new HookSettings());
    hooks = new HookUseCases(repo, active, new CountingIds(), clock, new PassThroughUnitOfWork());
  });

  it('drops the cache of active hooks on every change', async () => {
    expect(await active.list()).toEqual([]);
    const h = await hooks.register(body);
    expect((await active.list()).map((x) => x.id)).toEqual([h.id]);
    await hooks.replace(h.id, { ...body, active: false });
    expect(await active.list()).toEqual([]);
    await hooks.replace(h.id, body);
    expect(await active.list()).toHaveLength(1);
    await hooks.delete(h.id);
    expect(await active.list()).toEqual([]);
  });

  it(`keeps at most ${MAX_HOOKS_PER_TYPE} hooks of a type`, async () => {
    for (let i = 0; i < MAX_HOOKS_PER_TYPE; i++) await hooks.register(body);
    await expect(hooks.register(body)).rejects.toMatchObject({
      code: 'HOOK_INVALID',
      message: expect.stringContaining(`at most ${MAX_HOOKS_PER_TYPE} POST_TRANSACTION hooks`),
    });
    const pre = await hooks.register({ ...body, type: 'PRE_TRANSACTION' });
    await expect(hooks.replace(pre.id, body)).rejects.toMatchObject({ code: 'HOOK_INVALID' });
    // A replace that keeps the type is not counted again.
    await expect(hooks.replace('hook_1', { ...body, name: 'x' })).resolves.toMatchObject({
      name: 'x',
    });
  });
});
