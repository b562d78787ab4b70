import { DrainLoops } from './drain-loops';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

describe('DrainLoops', () => {
  it('folds wake-ups during a pass into one more pass, and resolves each after a pass that began later', async () => {
    const passes: number[] = [];
    const first = gate();
    const loops = new DrainLoops(
      async (lane) => {
        passes.push(lane);
        if (passes.length === 1) await first.opened;
      },
      () => undefined,
    );
    const a = loops.wake(3);
    const b = loops.wake(3);
    const c = loops.wake(3);
    expect(passes).toEqual([3]);
    first.open();
    await Promise.all([a, b, c]);
    expect(passes).toEqual([3, 3]);
    // A wake-up after the loop ended starts a new one.
    await loops.wake(3);
    expect(passes).toEqual([3, 3, 3]);
  });

  it('runs lanes independently', async () => {
    const passes: number[] = [];
    const loops = new DrainLoops(
      async (lane) => {
        passes.push(lane);
      },
      () => undefined,
    );
    await Promise.all([loops.wake(1), loops.wake(2)]);
    expect(passes.sort()).toEqual([1, 2]);
  });

  it('reports a failed pass and keeps the loop alive; a rethrowing handler fails the waiters', async () => {
    const seen: unknown[] = [];
    let fail = true;
    const logging = new DrainLoops(
      async () => {
        if (fail) {
          fail = false;
          throw new Error('db down');
        }
      },
      (_lane, e) => seen.push((e as Error).message),
    );
    await logging.wake(0);
    expect(seen).toEqual(['db down']);

    const strict = new DrainLoops(
      async () => {
        throw new Error('db down');
      },
      (_lane, e) => {
        throw e;
      },
    );
    await expect(strict.wake(0)).rejects.toThrow('db down');
  });

  it('stops going round once inactive', async () => {
    let active = true;
    let passes = 0;
    const loops = new DrainLoops(
      async () => {
        passes++;
        active = false;
      },
      () => undefined,
      () => active,
    );
    await loops.wake(0);
    await loops.wake(0);
    expect(passes).toBe(1);
  });
});
