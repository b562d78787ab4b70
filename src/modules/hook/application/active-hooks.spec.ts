import { ManualClock, MemoryHookRepository } from '../../../../test/support/fakes/hooks';
import type { Hook } from '../domain/hook';
import { HookSettings } from '../hook-settings';
import { ActiveHooks } from './active-hooks';

const hook = (id: string, active = true): Hook => ({
  id,
  name: id,
  url: 'http://127.0.0.1:9/',
  type: 'POST_TRANSACTION',
  active,
  timeout: 1,
  retryCount: 0,
  blocking: false,
  failOpen: false,
  createdAt: new Date(0),
  lastRun: null,
  lastSuccess: false,
});

describe('ActiveHooks', () => {
  let repo: MemoryHookRepository;
  let clock: ManualClock;
  let cache: ActiveHooks;

  beforeEach(() => {
    repo = new MemoryHookRepository();
    clock = new ManualClock();
    cache = new ActiveHooks(repo, clock, new HookSettings('', 200, 5000, 65536, 5000));
  });

  it('reads the list once per TTL, and again after it', async () => {
    await repo.insert(hook('a'));
    await repo.insert(hook('off', false));
    expect((await cache.list()).map((h) => h.id)).toEqual(['a']);
    await repo.insert(hook('b'));
    clock.advance(4999);
    expect((await cache.list()).map((h) => h.id)).toEqual(['a']);
    clock.advance(1);
    expect((await cache.list()).map((h) => h.id)).toEqual(['a', 'b']);
    expect(repo.activeReads).toBe(2);
  });

  it('reads again at once after an invalidation', async () => {
    await cache.list();
    await repo.insert(hook('a'));
    cache.invalidate();
    expect((await cache.list()).map((h) => h.id)).toEqual(['a']);
  });

  it('shares one load between concurrent callers', async () => {
    await Promise.all([cache.list(), cache.list(), cache.list()]);
    expect(repo.activeReads).toBe(1);
  });

  it('does not keep a load that an invalidation overtook', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = repo.listActive.bind(repo);
    repo.listActive = async () => {
      const hooks = await slow();
      await gate;
      return hooks;
    };
    const stale = cache.list();
    await repo.insert(hook('a'));
    cache.invalidate();
    const fresh = cache.list();
    release();
    expect(await stale).toEqual([]);
    expect((await fresh).map((h) => h.id)).toEqual(['a']);
    expect((await cache.list()).map((h) => h.id)).toEqual(['a']);
  });
});
